/** Outbound HTTP helpers with the SSRF address policy applied. */
export { AddressNotAllowedError, isNonPublicAddress } from './address-policy.js';
export {
  type FetchedText,
  FetchTextError,
  type FetchTextOptions,
  fetchText,
  guardedLookup,
  publicOnlyAgent,
} from './fetch-text.js';
