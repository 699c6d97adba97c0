/** What seeding the demo org's configuration hands to its history: row ids by key. */
export type TSeedContext = {
  envs: Record<string, string>;
  groups: Record<string, string>;
  users: Record<string, string>;
  actionTypes: Record<string, string>;
  matrixId: string;
  workflowVersions: Record<
    string,
    { id: string; version: number; rolloutPercent: number; status: string }[]
  >;
  /** by `<environment>/<agent slug>` */
  agents: Record<
    string,
    { id: string; slug: string; env: string; phase: string; workflow: string; ownerId: string }
  >;
};
