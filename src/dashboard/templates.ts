/**
 * The dashboard's Liquid templates. Rendered with `outputEscape: "escape"`: every `{{ value }}` is HTML-escaped
 * (text and attributes alike), and none of them uses `raw`, so nothing from GitHub or a model becomes markup.
 * No inline script or style: the Content-Security-Policy allows only /agents/assets/.
 */

const layout = (body: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ pageTitle }} · phasegate</title>
<link rel="stylesheet" href="/agents/assets/dashboard.css">
<script src="/agents/assets/dashboard.js" defer></script>
</head>
<body>
<header class="top"><span class="home"><a href="/agents" class="brand">phasegate</a>{% if signedIn %}<nav class="sections" aria-label="Dashboard"><a href="/agents"{% if section == "runs" %} aria-current="page"{% endif %}>Runs</a><a href="/agents/profiles"{% if section == "profiles" %} aria-current="page"{% endif %}>Profiles</a><a href="/agents/shadows"{% if section == "shadows" %} aria-current="page"{% endif %}>Shadows</a></nav>{% endif %}</span>{% if signedIn %}<form method="post" action="/agents/logout" class="logout"><button type="submit">Sign out</button></form>{% endif %}</header>
${body}
</body>
</html>`;

export const LOGIN = layout(`<main id="login-page" class="narrow">
<h1>Sign in</h1>
<p>Enter the dashboard token (<code>DASHBOARD_TOKEN</code> on the server).</p>
{% if error %}<p id="login-error" class="error" role="alert">{{ error }}</p>{% endif %}
<form id="login" method="post" action="/agents/login">
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form>
</main>`);

export const RUNS = layout(`<main id="runs-page" data-live="{{ liveUrl }}" data-version="{{ signature }}">
<h1>Runs</h1>
{% if endpoints.size > 0 %}<p id="model-endpoints" class="muted">Model endpoints: {% for e in endpoints %}<span class="endpoint" data-state="{{ e.state }}">{{ e.endpoint }} <span class="badge s-{{ e.tone }}">circuit {{ e.state }}</span></span>{% endfor %}</p>{% endif %}
<form id="filters" method="get" action="/agents">
<label>Repository <select name="repo"><option value="">all</option>{% for r in repos %}<option value="{{ r }}"{% if r == filter.repo %} selected{% endif %}>{{ r }}</option>{% endfor %}</select></label>
<label>State <select name="state"><option value="">all</option>{% for s in states %}<option value="{{ s }}"{% if s == filter.state %} selected{% endif %}>{{ s }}</option>{% endfor %}</select></label>
<label>Workflow <select name="workflow"><option value="">all</option>{% for w in workflows %}<option value="{{ w }}"{% if w == filter.workflow %} selected{% endif %}>{{ w }}</option>{% endfor %}</select></label>
<button type="submit">Filter</button>
</form>
<table id="runs">
<thead><tr><th>Repository</th><th>PR / issue</th><th>Workflow</th><th>State</th><th>Head</th><th>Started</th><th>Duration</th><th>Tokens</th></tr></thead>
<tbody>
{% for r in runs %}<tr data-run-id="{{ r.id }}">
<td class="repo">{{ r.repo }}</td>
<td class="subject"><a class="run-link" href="/agents/runs/{{ r.id | url_encode }}">{{ r.subject }}</a> <span class="title">{{ r.title }}</span></td>
<td class="workflow">{{ r.workflow }}</td>
<td class="state" data-state="{{ r.status }}"><span class="badge s-{{ r.status }}">{{ r.status }}</span></td>
<td class="sha"><code>{{ r.sha }}</code></td>
<td class="started">{{ r.started }}</td>
<td class="duration">{{ r.duration }}</td>
<td class="tokens">{{ r.tokens }}</td>
</tr>{% else %}<tr class="empty"><td colspan="8">No runs{% if filtered %} match these filters{% endif %}.</td></tr>{% endfor %}
</tbody>
</table>
<nav class="pages">{% if firstPage == false %}<a id="first-page" href="{{ firstUrl }}">Newest</a>{% endif %}{% if nextUrl != "" %}<a id="next-page" href="{{ nextUrl }}">Older runs</a>{% endif %}</nav>
</main>`);

export const RUN =
  layout(`<main id="run" data-live="{{ liveUrl }}" data-run-status="{{ v.status }}" data-version="{{ v.version }}">
<p class="crumbs"><a href="/agents">Runs</a> › {{ v.repo }}</p>
<h1><span class="subject">{{ v.subject }}</span> <span class="title">{{ v.title }}</span></h1>
<p class="meta"><span class="badge s-{{ v.status }}">{{ v.status }}</span> workflow <b>{{ v.workflow }}</b> on <code>{{ v.headSha }}</code> · started {{ v.created }}{% if v.duration != "" %} · {{ v.duration }}{% endif %} · {{ v.tokens }} tokens{% if v.reason %} · {{ v.reason }}{% endif %}</p>
<p class="links">{% for l in v.links %}<a class="{{ l.kind }}-link{% if l.kind == "pr" %} github-link{% endif %}" href="{{ l.href }}" rel="noreferrer">{{ l.label }}</a>{% endfor %}</p>

<section id="graph"><h2>Steps</h2>
<svg id="dag" role="img" aria-label="Steps and what each waits for" viewBox="0 0 {{ v.graph.width }} {{ v.graph.height }}" width="{{ v.graph.width }}" height="{{ v.graph.height }}">
<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" class="arrowhead"/></marker></defs>
{% for p in v.graph.phases %}<g class="phase"><rect x="{{ p.x }}" y="{{ p.y }}" width="{{ p.width }}" height="{{ p.height }}" rx="8"/><text x="{{ p.x | plus: 8 }}" y="{{ p.y | plus: 13 }}">{{ p.label }}</text></g>{% endfor %}
{% for e in v.graph.edges %}<path class="edge" d="{{ e.d }}" marker-end="url(#arrow)"/>{% endfor %}
{% for n in v.graph.nodes %}<g class="node s-{{ n.status }}" data-step="{{ n.id }}" data-status="{{ n.status }}"><title>{{ n.id }}: {{ n.status }}</title><rect x="{{ n.x }}" y="{{ n.y }}" width="{{ n.width }}" height="{{ n.height }}" rx="6"/><text x="{{ n.textX }}" y="{{ n.textY }}">{{ n.label }}</text></g>{% endfor %}
</svg>
<p class="legend">{% for s in stepStates %}<span class="badge s-{{ s }}">{{ s }}</span>{% endfor %}</p>
</section>

<section id="timeline-section"><h2>Timeline</h2>
{% if v.timeline.bars.size == 0 %}<p class="muted">No step has started yet.</p>{% endif %}
<svg id="timeline" role="img" aria-label="When each step ran" viewBox="0 0 {{ v.timeline.width }} {{ v.timeline.height }}" width="{{ v.timeline.width }}" height="{{ v.timeline.height }}">
{% for t in v.timeline.ticks %}<g class="tick"><line x1="{{ t.x }}" x2="{{ t.x }}" y1="14" y2="{{ v.timeline.height }}"/><text x="{{ t.x }}" y="11">{{ t.label }}</text></g>{% endfor %}
{% for b in v.timeline.bars %}<g class="row"><text class="label" x="{{ v.timeline.left | minus: 8 }}" y="{{ b.y | plus: 14 }}">{{ b.label }}</text><rect class="bar s-{{ b.status }}" data-step="{{ b.stepId }}" data-start="{{ b.start }}" data-end="{{ b.end }}" x="{{ b.x }}" y="{{ b.y | plus: 3 }}" width="{{ b.width }}" height="{{ v.timeline.rowHeight | minus: 6 }}" rx="3"><title>{{ b.label }}: {{ b.status }}</title></rect></g>{% endfor %}
</svg>
</section>

<section id="gates"><h2>Gates</h2>
{% if v.gates.size == 0 %}<p class="muted">No gate is waiting.</p>{% else %}<ul>
{% for g in v.gates %}<li class="gate" data-step="{{ g.stepId }}"><b>{{ g.name }}</b>: <span class="missing">{{ g.missing }}</span>, from <span class="who">{{ g.who }}</span>. Approve on GitHub or comment <code>{{ commandPrefix }} approve {{ g.stepId }}</code>.</li>{% endfor %}
</ul>{% endif %}
</section>

<section id="step-table"><h2>Tokens and latency</h2>
<table id="steps">
<thead><tr><th>Step</th><th>Phase</th><th>Kind</th><th>State</th><th>Attempts</th><th>Tokens</th><th>Latency</th><th>Result</th></tr></thead>
<tbody>
{% for s in v.steps %}<tr data-step="{{ s.id }}"><td class="name">{{ s.name }}</td><td>{{ s.phase }}</td><td>{{ s.kind }}</td><td class="state"><span class="badge s-{{ s.status }}">{{ s.status }}</span></td><td class="attempts">{{ s.attempts }}</td><td class="tokens">{{ s.tokens }}</td><td class="latency">{{ s.latency }}</td><td class="summary">{{ s.summary }}</td></tr>{% endfor %}
</tbody>
</table>
</section>

<section id="findings"><h2>Findings ({{ v.findingCount }})</h2>
{% if v.findingCount == 0 %}<p class="muted">No findings.</p>{% endif %}
{% for s in v.steps %}{% if s.findings.size > 0 %}<h3 data-step="{{ s.id }}">{{ s.name }}</h3><ul class="findings">
{% for f in s.findings %}<li class="finding sev-{{ f.severity }}"><span class="badge sev-{{ f.severity }}">{{ f.severity }}</span> <code>{{ f.where }}</code> <b>{{ f.title }}</b><p>{{ f.body }}</p></li>{% endfor %}
</ul>{% endif %}{% endfor %}
</section>

<section id="audit-trail"><h2>Audit trail</h2>
<table id="audit">
<thead><tr><th>When</th><th>Who</th><th>What</th><th>Step</th><th>SHA</th><th>Why</th></tr></thead>
<tbody>
{% for a in v.audit %}<tr><td>{{ a.at }}</td><td>{{ a.actor }}</td><td>{{ a.action }}</td><td>{{ a.step }}</td><td><code>{{ a.sha }}</code></td><td>{{ a.reason }}</td></tr>{% else %}<tr class="empty"><td colspan="6">Nothing yet.</td></tr>{% endfor %}
</tbody>
</table>
</section>
</main>`);

/** Profiles: who made findings and how people judged them; never a finding's title, text or anything prompted. */
export const PROFILES = layout(`<main id="profiles-page">
<h1>Profiles</h1>
<p class="muted">How often people judged each agent's findings right, per repository, model, step kind and task type. Expertise weighs recent judgements more (7-day half-life, the last 7 days 3×); score = 0.3 · health + 0.5 · expertise + 0.2 · confidence.</p>
<form id="filters" method="get" action="/agents/profiles">
<label>Repository <select name="repo"><option value="">all</option>{% for r in v.repos %}<option value="{{ r }}"{% if r == v.filter %} selected{% endif %}>{{ r }}</option>{% endfor %}</select></label>
<button type="submit">Filter</button>
</form>

<section id="suspensions"><h2>Suspended agents</h2>
{% if v.suspensions.size == 0 %}<p id="no-suspensions" class="muted">No agent is suspended by its error budget{% if v.filter != "" %} in {{ v.filter }}{% endif %}.</p>{% else %}
<table id="suspended">
<thead><tr><th>Repository</th><th>Agent</th><th>Model</th><th>Until</th><th>Why</th></tr></thead>
<tbody>
{% for x in v.suspensions %}<tr class="suspension"><td class="repo">{{ x.repo }}</td><td class="persona">{{ x.persona }}</td><td class="model">{{ x.model }}</td><td class="until">{{ x.until }}</td><td class="reason">{{ x.reason }}</td></tr>
{% endfor %}</tbody>
</table>
<p class="muted">An admin or maintainer ends one early with <code>/agents reinstate &lt;agent&gt;</code>.</p>{% endif %}
</section>

<section id="profiles-section"><h2>Scores</h2>
{% if v.rows.size == 0 %}<p id="no-profiles" class="muted">No judged findings{% if v.filter != "" %} in {{ v.filter }}{% endif %} yet: reply <code>/agents useful</code> or <code>/agents wrong</code> to the app's inline comments, react 👍/👎, resolve their threads, or push a change to the flagged code.</p>{% else %}
<table id="profiles">
<thead><tr><th>Repository</th><th>Agent</th><th>Model</th><th>Kind</th><th>Task</th><th>Judged</th><th>Precision</th><th>Expertise</th><th>Confidence</th><th>Health</th><th>Score</th></tr></thead>
<tbody>
{% for p in v.rows %}<tr class="profile"><td class="repo">{{ p.repo }}</td><td class="persona">{{ p.persona }}</td><td class="model">{{ p.model }}</td><td class="kind">{{ p.stepKind }}</td><td class="task">{{ p.taskType }}</td><td class="num judged">{{ p.judged }}</td><td class="num precision">{{ p.precision }}</td><td class="num expertise">{{ p.expertise }}</td><td class="num confidence">{{ p.confidence }}</td><td class="num health">{{ p.health }}</td><td class="num score">{{ p.score }}</td></tr>
{% endfor %}</tbody>
</table>{% endif %}
</section>

{% if v.charts.size > 0 %}<section id="curves"><h2>Learning curves</h2>
<p class="muted">Precision per day over the last 30 days, per agent and model; days without judgements are gaps.</p>
<div class="charts">
{% for c in v.charts %}<figure class="curve" data-repo="{{ c.repo }}" data-persona="{{ c.persona }}" data-model="{{ c.model }}">
<figcaption><b>{{ c.persona }}</b> on <b>{{ c.model }}</b> <span class="muted">{{ c.repo }} · {{ c.judged }} judged</span></figcaption>
<svg class="learning-curve" role="img" aria-labelledby="{{ c.id }}-title" viewBox="0 0 {{ c.width }} {{ c.height }}" width="{{ c.width }}" height="{{ c.height }}">
<title id="{{ c.id }}-title">{{ c.title }}</title>
{% for t in c.yTicks %}<g class="ytick"><line x1="{{ c.left }}" x2="{{ c.right }}" y1="{{ t.y }}" y2="{{ t.y }}"/><text x="{{ t.x }}" y="{{ t.y | plus: 4 }}" text-anchor="{{ t.anchor }}">{{ t.label }}</text></g>{% endfor %}
{% for t in c.xTicks %}<text class="xtick" x="{{ t.x }}" y="{{ t.y }}" text-anchor="{{ t.anchor }}">{{ t.label }}</text>{% endfor %}
<path class="line" d="{{ c.path }}"/>
{% for p in c.points %}<circle class="point" cx="{{ p.x }}" cy="{{ p.y }}" r="3" data-day="{{ p.day }}"><title>{{ p.label }}</title></circle>{% endfor %}
</svg>
</figure>
{% endfor %}</div>
</section>{% endif %}

<section id="states"><h2>Findings by state</h2>
<p id="states-summary">{% if v.filter != "" %}{{ v.filter }}{% else %}All repositories{% endif %}: {{ v.summary }}</p>
<table id="finding-states">
<thead><tr><th>Repository</th>{% for s in findingStates %}<th class="num">{{ s }}</th>{% endfor %}</tr></thead>
<tbody>
{% for r in v.states %}<tr class="state-row"><td class="repo">{{ r.repo }}</td>{% for n in r.counts %}<td class="num">{{ n }}</td>{% endfor %}</tr>
{% else %}<tr class="empty"><td colspan="6">No findings{% if v.filter != "" %} in {{ v.filter }}{% endif %} yet.</td></tr>
{% endfor %}</tbody>
{% if v.overall and v.states.size > 0 %}<tfoot><tr class="overall"><th>{{ v.overall.repo }}</th>{% for n in v.overall.counts %}<td class="num">{{ n }}</td>{% endfor %}</tr></tfoot>{% endif %}
</table>
</section>
</main>`);

/**
 * Shadows: each persona's primary model beside its shadow model — counts, agreement, judged precision, tokens and
 * latency; never a finding's title, text or anything prompted.
 */
export const SHADOWS = layout(`<main id="shadows-page">
<h1>Shadow models</h1>
<p class="muted">Steps of a persona with <code>shadow: &lt;model&gt;</code> run again on the shadow model, on the same input; its findings are stored, never posted, and never change a verdict. A shadow finding takes the judgement of the posted finding with the same fingerprint on the same pull request. Agreement: fingerprints both found in a step, of those either found. Judged precision: useful and addressed, of those judged (each finding once per pull request). Steps whose shadow fell short (its budget, an error) are counted apart and left out of the other figures.</p>
<form id="filters" method="get" action="/agents/shadows">
<label>Repository <select name="repo"><option value="">all</option>{% for r in v.repos %}<option value="{{ r }}"{% if r == v.filter %} selected{% endif %}>{{ r }}</option>{% endfor %}</select></label>
<button type="submit">Filter</button>
</form>

<section id="shadows-section"><h2>Primary and shadow</h2>
{% if v.rows.size == 0 %}<p id="no-shadows" class="muted">No shadow runs{% if v.filter != "" %} in {{ v.filter }}{% endif %} yet: set <code>agents.&lt;id&gt;.shadow: &lt;model&gt;</code> in <code>.agents/workflow.yaml</code>.</p>{% else %}
<table id="shadows">
<thead><tr><th rowspan="2">Repository</th><th rowspan="2">Agent</th><th rowspan="2">Model</th><th rowspan="2">Shadow</th><th rowspan="2" class="num">Steps</th><th rowspan="2" class="num">Fell short</th><th colspan="2">Findings</th><th rowspan="2" class="num">Agreement</th><th colspan="2">Judged precision</th><th colspan="2">Tokens</th><th colspan="2">Mean latency</th></tr>
<tr><th class="num">model</th><th class="num">shadow</th><th class="num">model</th><th class="num">shadow</th><th class="num">model</th><th class="num">shadow</th><th class="num">model</th><th class="num">shadow</th></tr></thead>
<tbody>
{% for r in v.rows %}<tr class="shadow-row"><td class="repo">{{ r.repo }}</td><td class="persona">{{ r.persona }}</td><td class="model">{{ r.primaryModel }}</td><td class="shadow-model">{{ r.model }}</td><td class="num runs">{{ r.runs }}</td><td class="num errors">{{ r.errors }}</td><td class="num findings">{{ r.primary.findings }}</td><td class="num shadow-findings">{{ r.shadow.findings }}</td><td class="num agreement">{{ r.agreement }}</td><td class="num precision" title="{{ r.primary.judged }}">{{ r.primary.precision }}</td><td class="num shadow-precision" title="{{ r.shadow.judged }}">{{ r.shadow.precision }}</td><td class="num tokens">{{ r.primary.tokens }}</td><td class="num shadow-tokens">{{ r.shadow.tokens }}</td><td class="num latency">{{ r.primary.latency }}</td><td class="num shadow-latency">{{ r.shadow.latency }}</td></tr>
{% endfor %}</tbody>
</table>
<p id="shadows-read" class="muted">Over the newest {{ v.read }} shadow runs.</p>{% endif %}
</section>
</main>`);

export const NOT_FOUND = layout(
  `<main class="narrow"><h1>Not found</h1><p>{{ message }}</p><p><a href="/agents">All runs</a></p></main>`,
);
