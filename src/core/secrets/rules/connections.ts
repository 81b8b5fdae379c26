// biome-ignore-all lint/suspicious/noTemplateCurlyInString: samples hold literal `${VAR}` references on purpose.
import type { SecretRule } from "../secret-rule.js";
import {
  authorizationToken,
  basicCredentials,
  genericSecret,
  kubernetesData,
  kubernetesStringData,
  randomToken,
  realPassword,
  urlPassword,
  userPassword,
} from "./confirm.js";

/** Database and message-broker schemes: a password in their URL opens the data. */
const DATABASE_SCHEMES =
  "postgres(?:ql)?|mysql|mysqlx|mariadb|mongodb(?:\\+srv)?|rediss?|amqps?|mssql|sqlserver|cockroachdb|clickhouse|couchdb|neo4j(?:\\+s)?|bolt|cassandra|nats|mqtts?|kafka|oracle|db2|snowflake";
/** `user:password@host` after `://`: the user may be empty (`redis://:pw@host`); no `/`, `@` or space inside. */
const CREDENTIALS = `(?P<user>[^\\s:@/"'\`<>]*):(?P<secret>[^\\s@/"'\`<>]+)@(?P<host>\\[[0-9A-Fa-f:]+\\]|[A-Za-z0-9._-]+)`;

/** Credentials in connection strings, commands and headers, and Kubernetes Secret manifests. */
export const CONNECTION_RULES: readonly SecretRule[] = [
  {
    id: "database-url",
    title: "Database URL with a password",
    description: "a database or message-broker connection URL with a password",
    severity: "blocker",
    keywords: ["://"],
    pattern: `(?i:\\b(?:jdbc:)?(?:${DATABASE_SCHEMES}))://${CREDENTIALS}`,
    minRandomness: 0,
    confirm: urlPassword,
    tps: [
      "DATABASE_URL=postgres://app_user:{b62:20}@db-1.prod.acme-corp.net:5432/app",
      'const uri = "mongodb+srv://svc:{b62:16}@cluster0.ab12c.mongodb.net/db";',
      "REDIS_URL=rediss://:{b62:24}@cache.acme.io:6380/0",
      "amqp://orders:{b62:18}@mq.internal:5672/%2F",
      "spring.datasource.url=jdbc:mysql://admin:{b62:14}@db.acme.io:3306/shop",
    ],
    fps: [
      "DATABASE_URL=postgres://postgres:postgres@localhost:5432/app_dev",
      "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app",
      "mysql://root:root@127.0.0.1/test",
      "redis://:password@redis.acme.io:6379",
      "mongodb://user:pass@mongo.acme.io/db",
      "postgres://USERNAME:PASSWORD@HOST:5432/DB",
      "postgres://app:****@db.acme.io/app",
    ],
  },
  {
    id: "url-password",
    title: "URL with a password",
    description: "a URL with a password in it (`scheme://user:password@host`)",
    severity: "high",
    keywords: ["://"],
    pattern: `\\b[A-Za-z][A-Za-z0-9+.-]{1,30}://${CREDENTIALS}`,
    minRandomness: 0,
    confirm: urlPassword,
    tps: [
      "git remote add origin https://deploy:{b62:20}@git.acme.io/app.git",
      "proxy = http://svc-proxy:{b62:12}@proxy.acme.io:3128",
      "ftp://backup:{b62:16}@files.acme.io/dumps",
    ],
    fps: [
      "https://user:password@example.com",
      "https://${GITHUB_ACTOR}:${GITHUB_TOKEN}@github.com/o/r.git",
      "https://oauth2:$CI_JOB_TOKEN@gitlab.com/o/r.git",
      "https://x-access-token:{{ token }}@github.com/o/r",
      "http://localhost:8080/path@anchor",
      "https://deploy:x-oauth-basic@github.com/o/r",
      "https://api.acme.io:443/v1/users/me@acme.io",
    ],
  },
  {
    id: "curl-basic-auth",
    title: "Password in a curl command",
    description: "a user and password passed to curl with `-u` / `--user`",
    severity: "high",
    keywords: ["curl", "-u", "--user"],
    // On the curl line or a continuation line of the command; `-u :key` and `-u key:` pass an API key alone.
    pattern: `(?:(?i:\\bcurl\\b)[^\\n]*?\\s|^\\s*)(?:-u|--user)(?:\\s{1,4}|=)["']?(?P<user>[^\\s:"']*):["']?(?P<secret>[^\\s"']*)`,
    minRandomness: 0,
    confirm: userPassword,
    tps: [
      "curl -u deploy:{b62:16} https://ci.acme.io/job/build",
      "curl -X POST https://ci.acme.io/api \\\n  --user deploy:'{b62:16}' \\",
      'curl -u ":{b62:24}" https://api.acme.io',
      'curl -s --user "admin:{b62:12}" -X POST https://registry.acme.io/api',
    ],
    fps: [
      "curl -u $USER:$PASS https://ci.acme.io",
      'curl -u "${USERNAME}:${PASSWORD}" https://api.acme.io',
      "curl -u user:password https://api.example.com",
      "curl -u username:<password> https://api.example.com",
      'curl --user "apikey:" https://api.acme.io',
      "git push -u origin main",
      "docker run -u 1000:1000 node:20",
    ],
  },
  {
    id: "basic-auth-header",
    title: "Hard-coded basic auth credentials",
    description: "a user and password in an `Authorization: Basic` header",
    severity: "high",
    keywords: ["basic"],
    pattern: "(?i:\\bBasic)\\s+(?P<secret>[A-Za-z0-9+/]{8,}={0,2})",
    minRandomness: 0,
    confirm: basicCredentials,
    tps: ['headers: { Authorization: "Basic {auth:16}" }', "-H 'Authorization: Basic {auth:20}'"],
    fps: [
      "Authorization: Basic dXNlcm5hbWU6cGFzc3dvcmQ=",
      "Authorization: Basic ${credentials}",
      "Authorization: Basic <base64 of user:password>",
      "Basic authentication is supported",
    ],
  },
  {
    id: "bearer-token",
    title: "Hard-coded bearer token",
    description: "a bearer token in an Authorization header",
    severity: "high",
    keywords: ["bearer"],
    pattern: "(?i:\\bBearer)\\s+(?P<secret>[A-Za-z0-9._~+/-]{20,}={0,2})",
    minRandomness: 0,
    confirm: randomToken,
    tps: ['curl -H "Authorization: Bearer {url:40}" https://api', "Authorization: bearer {hex:40}"],
    fps: [
      "Authorization: Bearer ${token}",
      "curl -H 'Authorization: Bearer YOUR_TOKEN_HERE' https://api.example.com",
      "Bearer authentication_token_for_the_service",
    ],
  },
  {
    id: "authorization-header",
    title: "Hard-coded authorization header",
    description: "a token in an Authorization header",
    severity: "high",
    keywords: ["authorization"],
    pattern:
      "(?i:authorization)[\"']?\\s*[:=,]\\s*[\"']?(?:(?i:token|api-token|apikey|api-key|key|sso-key|dsn)\\s+)?(?P<secret>[A-Za-z0-9._~+/=-]{16,})",
    minRandomness: 0,
    confirm: authorizationToken,
    tps: [
      "Authorization: Token {hex:40}",
      "-H 'Authorization: {hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}'",
      '"Authorization": "sso-key {b62:24}:{b62:22}"',
    ],
    fps: ["Authorization: Token <your-token>", "Authorization: token $GITHUB_TOKEN"],
  },
  {
    id: "url-query-secret",
    title: "Hard-coded secret",
    description: "a secret in a URL's query or a JDBC/ODBC connection string",
    severity: "high",
    keywords: ["password=", "pwd=", "token=", "secret=", "key="],
    pattern:
      "[?&;](?P<name>(?i:password|passwd|pwd|access_token|api_?key|apikey|client_secret|secret|token|auth_token))=(?P<secret>[^&\\s\"'#;<>]{6,})",
    minRandomness: 0,
    confirm: (match) =>
      /^(?:password|passwd|pwd)$/i.test(match.groups.name ?? "")
        ? realPassword(match.secret)
          ? match.secret
          : null
        : genericSecret(match),
    tps: [
      "Server=db.acme.io;Database=shop;User Id=app;Password={b62:16};",
      "https://api.acme.io/v1/items?api_key={b62:32}&page=2",
    ],
    fps: [
      "Server=localhost;Database=shop;User Id=sa;Password=<YourStrong@Passw0rd>;",
      "https://api.acme.io/v1/items?api_key=${API_KEY}",
      "?token={token}&page=1",
      "https://acme.io/reset?token=abc",
    ],
  },
  {
    id: "netrc-password",
    title: "Hard-coded secret",
    description: "a password in a .netrc entry",
    severity: "high",
    keywords: ["machine", "password"],
    pattern:
      "(?i:\\bmachine\\s+\\S+\\s+login\\s+\\S+\\s+password\\s+)(?P<secret>\\S{4,})|^\\s*password\\s+(?P<line>\\S{8,})\\s*$",
    minRandomness: 0,
    confirm: (match) => {
      const line = match.groups.line;
      if (line !== undefined) return genericSecret({ ...match, secret: line });
      return realPassword(match.secret) ? match.secret : null;
    },
    tps: [
      "machine api.acme.io login deploy password {b62:20}",
      "machine git.acme.io\n  login ci\n  password {b62:24}",
    ],
    fps: ["machine api.acme.io login deploy password $NETRC_PASSWORD", "  password manager"],
  },
  {
    id: "kubernetes-secret",
    title: "Kubernetes Secret value",
    description: "a value in a Kubernetes Secret manifest's `data` (base64 is an encoding, not encryption)",
    severity: "high",
    keywords: [],
    context: "kubernetes-secret-data",
    // `name: value`, or a block scalar's line (`.dockercfg: |` with the value on the lines below).
    pattern:
      "^\\s+(?:(?P<name>[A-Za-z0-9_.-]+):\\s+[\"']?(?P<secret>[A-Za-z0-9+/_-]{4,}={0,2})[\"']?|(?P<block>[A-Za-z0-9+/]{16,}={0,2}))\\s*$",
    minRandomness: 0,
    confirm: kubernetesData,
    tps: [
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  username: YWRtaW4=\n  password: {auth:18}",
      "apiVersion: v1\ndata:\n  api-key: {auth:30}\nkind: Secret\nmetadata:\n  name: api",
    ],
    fps: [
      "apiVersion: v1\nkind: ConfigMap\ndata:\n  app.properties: {auth:18}",
      "kind: Secret\ndata:\n  password: cGFzc3dvcmQ=\n  username: YWRtaW4=",
      "kind: Secret\ndata:\n  password: {{ .Values.password | b64enc }}",
    ],
  },
  {
    id: "kubernetes-secret-string-data",
    title: "Kubernetes Secret value",
    description: "a value in a Kubernetes Secret manifest's `stringData`",
    severity: "high",
    keywords: [],
    context: "kubernetes-secret-string-data",
    pattern: "^\\s+(?P<name>[A-Za-z0-9_.-]+):\\s+[\"']?(?P<secret>[^\\s\"'#]{6,})[\"']?\\s*$",
    minRandomness: 0,
    confirm: kubernetesStringData,
    tps: ["kind: Secret\nstringData:\n  DB_USER: app\n  DB_PASS: '{b62:12}'"],
    fps: [
      "kind: Secret\nstringData:\n  password: changeme\n  host: db.acme.io",
      "kind: Secret\nstringData:\n  token: ${TOKEN}",
    ],
  },
];
