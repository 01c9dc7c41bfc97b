/** Outbound HTTP helpers with the SSRF address policy applied, and URL redaction for errors and logs. */
export {
  AddressNotAllowedError,
  type AddressVerdict,
  addressRefusalIn,
  classifyAddress,
  isNonPublicAddress,
} from './address-policy.js';
export {
  type FetchedText,
  type FetchFailureKind,
  FetchTextError,
  type FetchTextOptions,
  fetchText,
  guardedLookup,
  publicOnlyAgent,
} from './fetch-text.js';
export { redactUrl, redactUrlsIn } from './redact.js';
