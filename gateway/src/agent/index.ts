/** The agent as a library: the all-in-one process, tests and benchmarks start one in-process. */
export { GatewayAgent, AGENT_VERSION, type AgentOptions, type Log } from './agent.js';
export { readAgentEnv, AGENT_ENV_VARS, AgentEnvError, type AgentEnv } from './agent-env.js';
