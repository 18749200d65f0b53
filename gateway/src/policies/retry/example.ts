/** A realistic retry config (statement lists are checked by the test against each section). */
export const retryExample = {
  condition: '@(response.status == 429 || response.status >= 500)',
  count: 3,
  interval: 1,
  delta: 2,
  'max-interval': 10,
  'first-fast-retry': true,
  statements: [
    {
      'forward-request': {
        'buffer-request-body': true,
        timeout: 20,
      },
    },
  ],
};
