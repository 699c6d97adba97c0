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
  // public/favicon.svg, with public/favicon.ico for browsers that want the old format
  icons: {
    icon: [
      { url: "/favicon.svg", type: "image/svg+xml" },
      { url: "/favicon.ico", sizes: "16x16 32x32 48x48" },
    ],
  },
  // an internal console (public/robots.txt says the same)
  robots: { index: false, follow: false },
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" className={inter.variable}>
      <body className="font-sans">{children}</body>
    </html>
  );
}
