// madge ships no types; the part of its programmatic API that test/layering.test.ts uses.
declare module 'madge' {
  interface MadgeConfig {
    fileExtensions?: string[];
    tsConfig?: string;
    detectiveOptions?: Record<string, { skipTypeImports?: boolean }>;
  }
  interface MadgeResult {
    /** Each cycle as the list of its modules, paths relative to the analysed folder. */
    circular(): string[][];
    /** Each module with the modules it imports. */
    obj(): Record<string, string[]>;
    warnings(): { skipped: string[] };
  }
  function madge(path: string, config?: MadgeConfig): Promise<MadgeResult>;
  export = madge;
}
