/** The echo backend every contender proxies to (`@portico/gateway/echo`), as its own process. */
import { startEchoServer } from '@portico/gateway/echo';
import { announceReady } from '../lib/peer-ready.js';

const echo = await startEchoServer({ host: '127.0.0.1', port: 0 });
announceReady({ url: echo.url });
