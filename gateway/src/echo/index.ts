export { startEchoServer, type EchoServer } from './echo-server.js';
