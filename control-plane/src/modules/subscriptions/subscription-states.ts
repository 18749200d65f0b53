import { PorticoError } from '../../errors.js';
import type { SubscriptionState } from '../../db/schema/index.js';

/**
 * The subscription lifecycle, the one place it is decided. Rejected, cancelled and expired
 * are terminal: a subscription never comes back from them (subscribe again instead).
 *
 *   submitted ─approve→ active ─suspend→ suspended ─reactivate→ active
 *   submitted ─reject→ rejected;  submitted|active|suspended ─cancel→ cancelled
 *   active|suspended ─expire→ expired
 */
export const TRANSITIONS = {
  approve: { from: ['submitted'], to: 'active' },
  reject: { from: ['submitted'], to: 'rejected' },
  suspend: { from: ['active'], to: 'suspended' },
  reactivate: { from: ['suspended'], to: 'active' },
  cancel: { from: ['submitted', 'active', 'suspended'], to: 'cancelled' },
  expire: { from: ['active', 'suspended'], to: 'expired' },
} as const satisfies Record<string, { from: readonly SubscriptionState[]; to: SubscriptionState }>;

export type TransitionVerb = keyof typeof TRANSITIONS;
export const TRANSITION_VERBS = Object.keys(TRANSITIONS) as TransitionVerb[];

/** Submitted, active or suspended: what counts against a product's subscriptions limit and blocks its deletion. */
export const LIVE_STATES = ['submitted', 'active', 'suspended'] as const satisfies readonly SubscriptionState[];
export const TERMINAL_STATES = ['rejected', 'cancelled', 'expired'] as const satisfies readonly SubscriptionState[];

export const isTerminal = (state: SubscriptionState) => (TERMINAL_STATES as readonly SubscriptionState[]).includes(state);

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');

/** The state `verb` leads to from `state`, or CONFLICT when the table has no such arrow. */
export function nextState(verb: TransitionVerb, state: SubscriptionState): SubscriptionState {
  const transition = TRANSITIONS[verb];
  if (!(transition.from as readonly SubscriptionState[]).includes(state)) {
    throw new PorticoError('CP_ERR_CONFLICT', { message: `cannot ${verb} ${article(state)} ${state} subscription` });
  }
  return transition.to;
}

/** Keys of an ended subscription open nothing and never will: regenerating them would only mint secrets. */
export function assertKeysRegenerable(state: SubscriptionState): void {
  if (isTerminal(state)) {
    throw new PorticoError('CP_ERR_CONFLICT', {
      message: `cannot regenerate the keys of ${article(state)} ${state} subscription`,
    });
  }
}
