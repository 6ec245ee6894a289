// The little of jsdom's own API that tests use directly (most run in vitest's jsdom environment
// instead); jsdom ships no types, and @types/jsdom would be another dependency for these lines.
declare module 'jsdom' {
  /** Where a page's console and script errors go; a new one prints nothing. */
  export class VirtualConsole {}

  export interface ConstructorOptions {
    url?: string;
    runScripts?: 'dangerously' | 'outside-only';
    virtualConsole?: VirtualConsole;
    /** Called with the page's window before its HTML is parsed (and its scripts run). */
    beforeParse?: (window: Window & typeof globalThis) => void;
  }

  /** A page: its HTML parsed, its scripts run as `runScripts` says. */
  export class JSDOM {
    constructor(html: string, options?: ConstructorOptions);
    readonly window: Window & typeof globalThis;
  }
}
