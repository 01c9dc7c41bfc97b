/**
 * Input media types (A2A §3.1.1, §3.3.2): a message part whose media type the agent does not accept is refused
 * with ContentTypeNotSupportedError. What the agent accepts is the card's `defaultInputModes` and every skill's
 * `inputModes`; `*\/*` and `type/*` ranges match as in HTTP, parameters and case are ignored. Parts that name no
 * media type are not checked.
 */
import { ContentTypeNotSupportedError } from '../a2a/errors.js';
import type { AgentCard } from '../a2a/model/agent-card.js';
import type { Message } from '../a2a/model/core.js';

const essence = (mediaType: string) => (mediaType.split(';', 1)[0] ?? '').trim().toLowerCase();

/** Whether `mediaType` falls under one of the media ranges `accepted`. */
export function mediaTypeAccepted(mediaType: string, accepted: readonly string[]): boolean {
  const type = essence(mediaType);
  const [major] = type.split('/', 1);
  return accepted.some((range) => {
    const r = essence(range);
    return r === type || r === '*/*' || r === '*' || (r.endsWith('/*') && r.slice(0, -2) === major);
  });
}

/** The media types a card accepts as input: its defaults and every skill's. */
export function acceptedInputModes(card: AgentCard): string[] {
  return [...card.defaultInputModes, ...card.skills.flatMap((skill) => skill.inputModes ?? [])];
}

/** Throws ContentTypeNotSupportedError for the first part whose declared media type the card does not accept. */
export function checkInputModes(message: Message, card: AgentCard): void {
  let accepted: string[] | undefined; // listed only when a part names a media type (most name none)
  for (const part of message.parts) {
    if (part.mediaType === undefined) continue;
    accepted ??= acceptedInputModes(card);
    if (accepted.length > 0 && !mediaTypeAccepted(part.mediaType, accepted)) {
      throw new ContentTypeNotSupportedError(
        `media type ${JSON.stringify(part.mediaType.slice(0, 200))} is not among the agent's input modes`,
      );
    }
  }
}
