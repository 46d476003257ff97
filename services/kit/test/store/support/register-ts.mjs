// `node --import <this file> script.ts`: registers ts-loader.mjs (tests and benchmarks only).
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
