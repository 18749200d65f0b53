import { transitionProcedure } from './transition-procedure.js';

export const cancelSubscription = transitionProcedure('cancel', 'Cancel a subscription for good');
