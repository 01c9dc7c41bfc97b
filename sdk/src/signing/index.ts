/** Agent card signing and verification (A2A §8.4). */
export * from './canonical.js';
export * from './sign.js';
