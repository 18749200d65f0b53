/** A realistic choose config (statement lists are checked by the test against each section). */
export const chooseExample = {
  when: [
    {
      condition: '@(request.method == "DELETE" && !("admins" in user.groups))',
      statements: [
        {
          'return-response': {
            'set-status': {
              code: 403,
              reason: 'Forbidden',
            },
          },
        },
      ],
    },
    {
      condition: '@(request.headers[?"x-debug"].hasValue())',
      statements: [
        {
          trace: {
            source: 'orders-api',
            message: 'debug requested',
          },
        },
      ],
    },
  ],
  otherwise: [
    {
      'set-header': {
        name: 'x-served-by',
        value: ['portico'],
      },
    },
  ],
};
