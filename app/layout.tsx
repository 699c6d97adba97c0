import type { Metadata } from "next";
import localFont from "next/font/local";
import "./globals.css";

// a local font file from @fontsource-variable/inter: next/font/google cannot fetch offline
const inter = localFont({
  src: "./fonts/inter-latin-wght-normal.woff2",
  variable: "--font-inter",
  display: "swap",
});

export const metadata: Metadata = {
  title: { default: "Tollgate", template: "%s · Tollgate" },
  description: "The control plane between AI agents and your revenue systems",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" className={inter.variable}>
      <body className="font-sans">{children}</body>
    </html>
  );
}
