import { transitionProcedure } from './transition-procedure.js';

export const suspendSubscription = transitionProcedure(
  'suspend',
  'Suspend a subscription: its keys stop working until reactivated',
);
