import nock from "nock";

// No test may reach the network; loopback stays open for the real Postgres and app processes.
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
