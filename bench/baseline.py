"""The ceiling: a bare WSGI app (no Django, no DRF) serving the benchmark's requests.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/claims_bench \
        gunicorn bench.baseline:application --worker-class gthread --workers 2 --threads 4

It answers `GET /api/v1/claims/` (page_size, cursor, status, article, rating, q), `GET` and
`PATCH /api/v1/claims/{id}/` with the same JSON as the service (same keys, values, timestamps,
`next`/`previous` links and ETags), after the same token check: the prefix finds the token with
its user and role in one query, then SHA-256 and `hmac.compare_digest`, revocation, expiry and an
active user. It runs the same SQL shape as the service (one query for the token, one for the
rows, one each for evidence and corrections; a PATCH locks, updates, records its history event
and commits in one transaction), so the ratio service/baseline measures what the Python stack
costs, not a different query plan. What it leaves out: everything the benchmark does not send
(other filters and orderings answer 501, PATCH of status/rating/summary too), rate limiting
(the benchmark turns it off in the service), and Django's per-request connection health check.

One psycopg connection per gunicorn thread, kept open, connected as the service connects
(parameters bound on the server, statements prepared at their sixth run, a filtered list's never
except the search read from the ordered indexes: project/settings.py, claims/selectors/claims.py),
so PostgreSQL plans the very same statements; orjson renders.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import threading
import time
from datetime import UTC, datetime
from http import HTTPStatus
from urllib import parse

import orjson
import psycopg

DATABASE_URL = os.environ["DATABASE_URL"]
STATEMENT_TIMEOUT_MS = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS", "10000"))
# As the service connects (project/settings.py): parameters bound on the server, statements
# prepared at their sixth run, except a filtered list's, which are planned for their values
# (claims/platform/db/statements.py); the one filtered list prepared is the ordered search
# (claims/selectors/claims.py). DATABASE_PREPARED_STATEMENTS=off for neither.
PREPARED = os.environ.get("DATABASE_PREPARED_STATEMENTS", "on").lower() not in {"0", "false", "no", "off"}
MAX_BODY = 1024 * 1024
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
STATUSES = {"pending", "in_review", "published", "not_checkable"}
RATINGS = {"true", "mostly_true", "half_true", "mostly_false", "false", "misleading", "unproven"}
TOKEN_RE = re.compile(r"\Act_(?P<prefix>[0-9a-f]{8})_(?P<secret>[A-Za-z0-9_-]{43})\Z")
DETAIL_RE = re.compile(r"\A/api/v1/claims/(?P<id>[0-9]+)/\Z")
ETAG_RE = re.compile(r'\s*(W/)?"([^"]*)"\s*')
JSON_OPTIONS = orjson.OPT_UTC_Z
UNSUPPORTED = ("claimant", "updated_after", "ordering")

TOKEN_SQL = """
SELECT t.digest, t.expires_at, t.revoked_at, u.id, u.is_active, u.is_superuser,
  EXISTS(SELECT 1 FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id
         WHERE g.name = 'editor' AND ug.user_id = t.user_id),
  EXISTS(SELECT 1 FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id
         WHERE g.name = 'client' AND ug.user_id = t.user_id)
FROM claims_apitoken t JOIN auth_user u ON u.id = t.user_id
WHERE t.prefix = %s LIMIT 1
"""
CLAIM_COLUMNS = (
    'id, article_id, quote, start, "end", claimant, status, rating, summary, version, '
    "published_at, created_at, updated_at, anchor, anchor_score, revision"
)
# The service's text search: the stored vectors and their GIN indexes (migration 0005), and the
# same choice of access path (claims.selectors.claims): RUM indexes where there are (0015).
QUOTE_MATCH = "quote_tsv @@ websearch_to_tsquery('english'::regconfig, %s)"
SUMMARY_MATCH = "summary_tsv @@ websearch_to_tsquery('english'::regconfig, %s)"
EVIDENCE_SQL = (
    "SELECT claim_id, id, url, title, publisher, note, added_at FROM claims_evidence "
    "WHERE claim_id = ANY(%s) ORDER BY id"
)
CORRECTIONS_SQL = (
    "SELECT claim_id, at, from_rating, to_rating, note FROM claims_correction "
    "WHERE claim_id = ANY(%s) ORDER BY id"
)

_local = threading.local()
# The planner's estimates, kept a minute, as claims.selectors keeps them.
_estimates: dict[tuple, tuple[float, float]] = {}


def planner_rows(conn: psycopg.Connection, key: tuple, sql: str, args: list) -> float:
    now = time.monotonic()
    known = _estimates.get(key)
    if known is not None and known[0] > now:
        return known[1]
    plan = conn.execute(f"EXPLAIN (FORMAT JSON) {sql}", args, prepare=False).fetchone()[0]
    rows = float(plan[0]["Plan"]["Plan Rows"])
    _estimates[key] = (now + 60, rows)
    return rows


def search_is_selective(
    conn: psycopg.Connection, sql: str, args: list, page_size: int, cost: float = 0.6
) -> bool:
    """claims.selectors.claims._fewer: matches^2 < cost x (page + 1) x table rows; 0.6 for the text
    index, 3.0 for the ordered (RUM) indexes."""
    matches = planner_rows(conn, (sql, *args), sql, args)
    table = planner_rows(conn, ("table",), f"SELECT {CLAIM_COLUMNS} FROM claims_claim", [])
    return matches * matches < cost * (page_size + 1) * table


_ordered: list[bool] = []


def ordered_vectors(conn: psycopg.Connection) -> bool:
    """Whether quotes and summaries both have RUM indexes (migration 0015), asked once."""
    if not _ordered:
        found = conn.execute(
            "SELECT count(DISTINCT a.attname) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am am ON am.oid = c.relam "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
            "WHERE i.indrelid = 'claims_claim'::regclass AND am.amname = 'rum' AND i.indisvalid "
            "AND a.attname IN ('quote_tsv', 'summary_tsv')"
        ).fetchone()[0]
        _ordered.append(found == 2)
    return _ordered[0]


class Problem(Exception):
    def __init__(self, status: int, detail: str, headers: list[tuple[str, str]] | None = None) -> None:
        self.status, self.detail, self.headers = status, detail, headers or []


def connection() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed or conn.broken:
        options = f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c TimeZone=UTC"
        conn = psycopg.connect(
            DATABASE_URL,
            autocommit=True,
            options=options,
            cursor_factory=psycopg.Cursor if PREPARED else psycopg.ClientCursor,
        )
        conn.prepare_threshold = 5 if PREPARED else None
        _local.conn = conn
    return conn


# --- the token check ---------------------------------------------------------------------------


def authenticate(conn: psycopg.Connection, environ: dict) -> tuple[int, str]:
    """(user id, role) of the request's token, or a 401/403 problem."""
    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() not in {"bearer", "token"} or not credentials:
        raise Problem(
            401, "Authentication credentials were not provided.", [("WWW-Authenticate", 'Bearer realm="api"')]
        )
    match = TOKEN_RE.match(credentials)
    row = conn.execute(TOKEN_SQL, [match["prefix"]]).fetchone() if match else None
    digest = hashlib.sha256(credentials.encode()).hexdigest()
    if row is None or not hmac.compare_digest(digest, row[0]):
        raise Problem(401, "Invalid token.", [("WWW-Authenticate", 'Bearer realm="api"')])
    _, expires_at, revoked_at, user_id, is_active, is_superuser, is_editor, is_client = row
    if revoked_at is not None:
        raise Problem(401, "This token has been revoked.", [("WWW-Authenticate", 'Bearer realm="api"')])
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise Problem(
            401, "This token has expired; ask for a new one.", [("WWW-Authenticate", 'Bearer realm="api"')]
        )
    if not is_active:
        raise Problem(401, "This token's user is deactivated.", [("WWW-Authenticate", 'Bearer realm="api"')])
    role = "admin" if is_superuser else "editor" if is_editor else "client" if is_client else None
    if role is None:
        raise Problem(403, "This token has no role; ask an admin to give its user the client or editor role.")
    return user_id, role


# --- claims as JSON --------------------------------------------------------------------------------


def claims_json(conn: psycopg.Connection, rows: list[tuple], drafts_visible: bool) -> list[dict]:
    """The rows as the service's ClaimSerializer renders them, with evidence and corrections
    fetched in one query each (none for a page without rows the viewer may see them on)."""
    ids = [row[0] for row in rows if drafts_visible or row[6] == "published"]
    evidence: dict[int, list[dict]] = {}
    corrections: dict[int, list[dict]] = {}
    if ids:
        for claim_id, *e in conn.execute(EVIDENCE_SQL, [ids]):
            evidence.setdefault(claim_id, []).append(
                {"id": e[0], "url": e[1], "title": e[2], "publisher": e[3], "note": e[4], "added_at": e[5]}
            )
        for claim_id, at, from_rating, to_rating, note in conn.execute(CORRECTIONS_SQL, [ids]):
            corrections.setdefault(claim_id, []).append(
                {"at": at, "from_rating": from_rating, "to_rating": to_rating, "note": note}
            )
    out = []
    for (
        cid,
        article,
        quote,
        start,
        end,
        claimant,
        status,
        rating,
        summary,
        version,
        pub,
        created,
        updated,
        anchor,
        anchor_score,
        revision,
    ) in rows:
        visible = drafts_visible or status == "published"
        out.append(
            {
                "id": cid,
                "article": article,
                "quote": quote,
                "start": start,
                "end": end,
                "claimant": claimant,
                "status": status,
                "rating": rating if visible else None,
                "summary": summary if visible else None,
                "evidence": evidence.get(cid, []) if visible else [],
                "corrections": corrections.get(cid, []) if visible else [],
                "version": version,
                "anchor": anchor,
                "anchor_score": anchor_score,
                "revision": revision,
                "published_at": pub,
                "created_at": created,
                "updated_at": updated,
            }
        )
    return out


# --- the list ----------------------------------------------------------------------------------------


def encode_cursor(key: int, reverse: bool) -> str:
    raw = f'{{"o":"id","r":{"true" if reverse else "false"},"k":[{key}]}}'.encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[int, bool]:
    bad = Problem(400, "Invalid cursor: use the `next` or `previous` link of a list response.")
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        key, reverse = payload["k"], payload["r"]
        if payload["o"] != "id":
            raise Problem(400, "This cursor belongs to another `ordering`; keep the one it came with.")
        if (
            not isinstance(key, list)
            or len(key) != 1
            or not isinstance(reverse, bool)
            or not isinstance(key[0], int)
            or isinstance(key[0], bool)
        ):
            raise bad
        return key[0], reverse
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
        raise bad from None


def replace_query_param(url: str, key: str, value: str) -> str:
    """DRF's rest_framework.utils.urls.replace_query_param: the same bytes for the same URL."""
    scheme, netloc, path, query, fragment = parse.urlsplit(url)
    query_dict = parse.parse_qs(query, keep_blank_values=True)
    query_dict[key] = [value]
    return parse.urlunsplit(
        (scheme, netloc, path, parse.urlencode(sorted(query_dict.items()), doseq=True), fragment)
    )


def absolute_uri(environ: dict) -> str:
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    path = parse.quote(environ.get("PATH_INFO", "/").encode("latin-1"), safe="/:@&+$,-_.!~*'()")
    query = environ.get("QUERY_STRING", "")
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}{path}" + (f"?{query}" if query else "")


def one_of(params: dict, name: str, choices: set[str]) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if value not in choices:
        raise Problem(400, f'"{value}" is not a valid choice.')
    return value


def claim_list(conn: psycopg.Connection, environ: dict, role: str) -> dict:
    params = {
        k: v[-1] for k, v in parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()
    }
    for name in UNSUPPORTED:
        if name in params and not (name == "ordering" and params[name] == "id"):
            raise Problem(501, f"The baseline does not implement `{name}`.")
    drafts_visible = role in ("editor", "admin")
    try:
        page_size = int(params.get("page_size", DEFAULT_PAGE_SIZE))
    except ValueError:
        raise Problem(400, "A valid integer is required.") from None
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise Problem(400, f"page_size must be 1 to {MAX_PAGE_SIZE}.")
    where: list[str] = []
    args: list = []
    if "article" in params:
        try:
            article = int(params["article"])
        except ValueError:
            raise Problem(400, "A valid integer is required.") from None
        where.append("article_id = %s")
        args.append(article)
    status = one_of(params, "status", STATUSES)
    if status:
        where.append("status = %s")
        args.append(status)
    rating = one_of(params, "rating", RATINGS)
    if rating:
        where.append("rating = %s" if drafts_visible else "(rating = %s AND status = 'published')")
        args.append(rating)
    q = params.get("q", "").strip()
    if q:
        summary = SUMMARY_MATCH if drafts_visible else f"({SUMMARY_MATCH} AND status = 'published')"
        where.append(f"({QUOTE_MATCH} OR {summary})")
        args += [q, q]
    filters, filter_args = list(where), list(args)  # the estimate is for the search, not the page
    cursor = params.get("cursor")
    reverse = False
    if cursor:
        key, reverse = decode_cursor(cursor)
        where.append("id < %s" if reverse else "id > %s")
        args.append(key)
    where_sql = " WHERE " + " AND ".join(where) if where else ""
    direction = "DESC" if reverse else "ASC"
    unpaged = f"SELECT {CLAIM_COLUMNS} FROM claims_claim"
    if filters:
        unpaged += " WHERE " + " AND ".join(filters)
    order = f"ORDER BY id {direction}"
    ordered = bool(q) and len(filters) == 1 and ordered_vectors(conn)
    ordered_page = ordered and search_is_selective(conn, unpaged, filter_args, page_size, cost=3.0)
    if ordered_page:
        # claims.platform.db.ordered_search: each vector's RUM index read in id order from the
        # cursor, a page from each, merged.
        bound = key if cursor else 0
        op, beyond = ("<=|", "id < %s") if reverse else ("|=>", "id > %s")
        branches = []
        summary = SUMMARY_MATCH if drafts_visible else f"{SUMMARY_MATCH} AND status = 'published'"
        for match in (QUOTE_MATCH, summary):
            if cursor:
                match += f" AND {beyond}"
            branches.append(
                f"(SELECT id FROM claims_claim WHERE {match} ORDER BY id {op} %s LIMIT {page_size + 1})"
            )
        args = [q, *([key] if cursor else []), bound, q, *([key] if cursor else []), bound]
        statement = (
            f"SELECT {CLAIM_COLUMNS} FROM claims_claim WHERE id IN (SELECT DISTINCT id FROM "
            f"({' UNION ALL '.join(branches)}) AS matches "
            f"ORDER BY id {direction} LIMIT {page_size + 1}) {order}"
        )
    elif q and search_is_selective(conn, unpaged, filter_args, page_size):
        # The page's ids from the text index, sorted by an expression no index has; then its rows.
        statement = (
            f"SELECT {CLAIM_COLUMNS} FROM claims_claim WHERE id IN (SELECT id FROM claims_claim{where_sql}"
            f" ORDER BY id + 0 {direction} LIMIT {page_size + 1}) {order}"
        )
    else:
        statement = f"SELECT {CLAIM_COLUMNS} FROM claims_claim{where_sql} {order} LIMIT {page_size + 1}"
    # As the service: a filtered list is planned for its values, but the ordered search, whose
    # best plan is the same two ordered scans whatever the term, is prepared
    # (claims/selectors/claims.py).
    unprepared = bool(filters) and not ordered_page
    rows = conn.execute(statement, args, prepare=False if unprepared else None).fetchall()
    more = len(rows) > page_size
    rows = rows[:page_size]
    if reverse:
        rows.reverse()
    has_next = more if not reverse else True
    has_previous = bool(cursor) if not reverse else more
    url = absolute_uri(environ)
    next_link = (
        replace_query_param(url, "cursor", encode_cursor(rows[-1][0], False)) if has_next and rows else None
    )
    previous = (
        replace_query_param(url, "cursor", encode_cursor(rows[0][0], True)) if has_previous and rows else None
    )
    if has_previous and not rows:
        scheme, netloc, path, query, fragment = parse.urlsplit(url)
        kept = [(k, v) for k, v in parse.parse_qsl(query, keep_blank_values=True) if k != "cursor"]
        previous = parse.urlunsplit(
            (scheme, netloc, path, parse.urlencode(sorted(kept), doseq=True), fragment)
        )
    return {"next": next_link, "previous": previous, "results": claims_json(conn, rows, drafts_visible)}


# --- one claim -----------------------------------------------------------------------------------------


def claim_detail(conn: psycopg.Connection, claim_id: int, role: str) -> tuple[dict, str]:
    row = conn.execute(f"SELECT {CLAIM_COLUMNS} FROM claims_claim WHERE id = %s", [claim_id]).fetchone()
    if row is None:
        raise Problem(404, f"There is no claim {claim_id}.")
    drafts_visible = role in ("editor", "admin")
    view = "e" if drafts_visible else "c"
    return claims_json(conn, [row], drafts_visible)[0], f'"{row[0]}-{row[9]}-{view}"'


def versions_matching(header: str, claim_id: int) -> frozenset[int] | None:
    """The editors' tags `"<id>-<version>-e"` that If-Match accepts (PATCH is editors' only)."""
    if header.strip() == "*":
        return None
    versions = set()
    for member in header.split(","):
        match = ETAG_RE.fullmatch(member)
        if match and not match[1]:
            claim_part, version, view = [*match[2].split("-"), "", ""][:3]
            if (
                claim_part == str(claim_id)
                and view == "e"
                and version.isascii()
                and version.isdigit()
                and len(version) < 19
            ):
                versions.add(int(version))
    return frozenset(versions)


def claim_patch(
    conn: psycopg.Connection, environ: dict, claim_id: int, user_id: int, role: str
) -> tuple[dict, str]:
    if role not in ("editor", "admin"):
        raise Problem(403, "Your role may only read; writing needs an editor's token.")
    header = environ.get("HTTP_IF_MATCH")
    if header is None:
        raise Problem(428, "This request needs an If-Match header with the claim's current ETag.")
    expected = versions_matching(header, claim_id)
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Problem(400, "Content-Length is not a number of bytes.") from None
    if length > MAX_BODY:
        raise Problem(413, "The request body is over 1 MiB.")
    if not environ.get("CONTENT_TYPE", "").startswith("application/json"):
        raise Problem(415, "Send JSON.")
    try:
        data = orjson.loads(environ["wsgi.input"].read(length))
    except orjson.JSONDecodeError:
        raise Problem(400, "JSON parse error.") from None
    if not isinstance(data, dict):
        raise Problem(400, "Send a JSON object.")
    for name in ("status", "rating", "summary"):
        if name in data:
            raise Problem(501, f"The baseline does not implement PATCH of `{name}`.")
    claimant = data.get("claimant")
    note = data.get("note", "")
    if claimant is not None and (
        not isinstance(claimant, str) or not claimant.strip() or len(claimant) > 200
    ):
        raise Problem(400, "claimant: a non-empty string of at most 200 characters.")
    if not isinstance(note, str) or len(note) > 10_000:
        raise Problem(400, "note: a string of at most 10000 characters.")
    claimant = claimant.strip() if claimant is not None else None
    with conn.transaction():
        row = conn.execute(
            "SELECT claimant, version FROM claims_claim WHERE id = %s FOR UPDATE", [claim_id]
        ).fetchone()
        if row is None:
            raise Problem(404, f"There is no claim {claim_id}.")
        if expected is not None and row[1] not in expected:
            raise Problem(412, f"The claim has changed since you read it: it is at version {row[1]}.")
        if claimant is not None and claimant != row[0]:
            now = datetime.now(UTC)
            updated = conn.execute(
                "UPDATE claims_claim SET claimant = %s, version = version + 1, updated_at = %s "
                f"WHERE id = %s RETURNING {CLAIM_COLUMNS}",
                [claimant, now, claim_id],
            ).fetchone()
            conn.execute(
                "INSERT INTO claims_claimevent (claim_id, at, actor_id, action, changes, note, version) "
                "VALUES (%s, %s, %s, 'updated', %s::jsonb, %s, %s)",
                [
                    claim_id,
                    now,
                    user_id,
                    orjson.dumps({"claimant": [row[0], claimant]}).decode(),
                    note,
                    updated[9],
                ],
            )
            return claims_json(conn, [updated], True)[0], f'"{claim_id}-{updated[9]}-e"'
    return claim_detail(conn, claim_id, role)


# --- WSGI ------------------------------------------------------------------------------------------------


def application(environ: dict, start_response) -> list[bytes]:
    headers = [("Content-Type", "application/json")]
    try:
        path = environ.get("PATH_INFO", "")
        method = environ["REQUEST_METHOD"]
        detail = DETAIL_RE.match(path)
        if path != "/api/v1/claims/" and not detail:
            raise Problem(404, "The baseline serves /api/v1/claims/ and /api/v1/claims/{id}/ only.")
        conn = connection()
        try:
            user_id, role = authenticate(conn, environ)
            if detail and method == "GET":
                body, etag = claim_detail(conn, int(detail["id"]), role)
                headers.append(("ETag", etag))
            elif detail and method == "PATCH":
                body, etag = claim_patch(conn, environ, int(detail["id"]), user_id, role)
                headers.append(("ETag", etag))
            elif not detail and method == "GET":
                body = claim_list(conn, environ, role)
            else:
                raise Problem(405, f'Method "{method}" not allowed.')
        except psycopg.OperationalError:
            _local.conn = None
            raise Problem(503, "The database is not answering.") from None
        payload = orjson.dumps(body, option=JSON_OPTIONS)
        if not detail:
            # As the service tags a list: from its bytes (its CachingHeadersMiddleware).
            headers.append(("ETag", f'"{hashlib.sha256(payload).hexdigest()[:32]}"'))
        headers += [("Vary", "Authorization"), ("Cache-Control", "private, no-cache")]
        status = "200 OK"
    except Problem as problem:
        payload = orjson.dumps(
            {
                "type": "about:blank",
                "title": HTTPStatus(problem.status).phrase,
                "status": problem.status,
                "detail": problem.detail,
            }
        )
        headers = [("Content-Type", "application/problem+json"), *problem.headers]
        status = f"{problem.status} {HTTPStatus(problem.status).phrase}"
    headers.append(("Content-Length", str(len(payload))))
    start_response(status, headers)
    return [payload]
