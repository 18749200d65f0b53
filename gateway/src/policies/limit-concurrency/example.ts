/** A realistic limit-concurrency config (statement lists are checked by the test against each section). */
export const limitConcurrencyExample = {
  key: '@(subscription.id)',
  'max-count': 5,
  statements: [
    {
      'forward-request': {
        timeout: 60,
      },
    },
  ],
};
