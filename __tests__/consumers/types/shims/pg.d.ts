// What the README's PostgreSQL sketch uses of node-postgres, so that it compiles without pg installed.
declare module 'pg' {
  export class Pool {
    query(text: string, values?: unknown[]): Promise<{ rowCount: number | null; rows: { completed?: boolean }[] }>;
  }
}
