// autocannon ships no type declarations; this covers the part load.ts uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';
  interface AutocannonOptions {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    requests?: Record<string, unknown>[];
  }
  function autocannon(options: AutocannonOptions): EventEmitter;
  export = autocannon;
}
