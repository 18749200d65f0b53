import { LoadBalancing } from '@portico/proto';
import type { UpstreamTarget } from './upstream-target.js';

/** Picks a target for a call, skipping targets whose circuit is open; undefined when all are. */
export type TargetPicker = (now: number) => UpstreamTarget | undefined;

function roundRobin(targets: readonly UpstreamTarget[]): TargetPicker {
  let next = 0;
  return function pickRoundRobin(now) {
    for (let tried = 0; tried < targets.length; tried++) {
      const target = targets[next]!;
      next = next + 1 === targets.length ? 0 : next + 1;
      if (target.available(now)) return target;
    }
    return undefined;
  };
}

// Smooth weighted round robin (nginx): spreads a 5:1:1 split as a a b a c a a, not a a a a a b c.
function weighted(targets: readonly UpstreamTarget[]): TargetPicker {
  return function pickWeighted(now) {
    let total = 0;
    let best: UpstreamTarget | undefined;
    for (const target of targets) {
      if (!target.available(now)) continue;
      target.currentWeight += target.weight;
      total += target.weight;
      if (best === undefined || target.currentWeight > best.currentWeight) best = target;
    }
    if (best) best.currentWeight -= total;
    return best;
  };
}

// Lowest priority value first; round robin inside a group; the next group only when a whole group is open.
function priority(targets: readonly UpstreamTarget[]): TargetPicker {
  const groups = new Map<number, UpstreamTarget[]>();
  for (const target of targets) {
    const group = groups.get(target.priority);
    if (group) group.push(target);
    else groups.set(target.priority, [target]);
  }
  const pickers = [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => roundRobin(group));
  return function pickPriority(now) {
    for (const pick of pickers) {
      const target = pick(now);
      if (target) return target;
    }
    return undefined;
  };
}

function leastRequests(targets: readonly UpstreamTarget[]): TargetPicker {
  return function pickLeastRequests(now) {
    let best: UpstreamTarget | undefined;
    for (const target of targets) {
      if (target.available(now) && (best === undefined || target.inFlight < best.inFlight)) best = target;
    }
    return best;
  };
}

export function createTargetPicker(strategy: LoadBalancing, targets: readonly UpstreamTarget[]): TargetPicker {
  if (targets.length === 1) {
    const [only] = targets as [UpstreamTarget];
    return (now) => (only.available(now) ? only : undefined);
  }
  switch (strategy) {
    case LoadBalancing.WEIGHTED:
      return weighted(targets);
    case LoadBalancing.PRIORITY:
      return priority(targets);
    case LoadBalancing.LEAST_REQUESTS:
      return leastRequests(targets);
    default:
      return roundRobin(targets);
  }
}
