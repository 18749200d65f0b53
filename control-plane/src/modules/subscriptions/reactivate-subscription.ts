import { transitionProcedure } from './transition-procedure.js';

export const reactivateSubscription = transitionProcedure('reactivate', 'Reactivate a suspended subscription');
