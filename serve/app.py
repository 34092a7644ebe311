"""The console's routes: Chinese pages and the JSON API under /api, both thin over `views`.

    app = create_app(store, users)          # uvicorn.run(app, host="127.0.0.1", port=8765)

Every route but the login, the OpenAPI description and the static script needs a session; every
POST needs the session's CSRF token (form field `csrf` or header X-CSRF-Token). Errors a view
raises on purpose (denied, not found, not allowed now) become a page or {"detail": …} with their
status; the denial is in the audit log already.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from contextlib import asynccontextmanager
from decimal import Decimal
from functools import lru_cache
from typing import Any

import anyio
import jinja2
from fastapi import Body, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from crossaudit.engine import Store
from crossaudit.engine.access import PERMISSIONS, AccessDenied, User, Users
from crossaudit.engine.lifecycle import VERDICTS
from crossaudit.viz.export import FORMATS, finite
from crossaudit.viz.page import FONT, short_time, vis_assets
from crossaudit.viz.vocab import LABEL_NAMES, SEVERITY_NAMES, format_value, prop_name
from crossaudit.serve import views
from crossaudit.serve.auth import COOKIE, SESSION_HOURS, Session, Sessions, check_password, same_token
from crossaudit.serve.console import STORE_THREADS, Console
from crossaudit.serve.reads import name_index

LOGIN_COOKIE = "crossaudit_login"
STATUS_NAMES = {"new": "新发现", "pushed": "已推送", "verifying": "核实中", "confirmed": "已确认", "dismissed": "已排除"}
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
                               "style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
}


class LoginNeeded(Exception):
    """No live session: a page goes to the login form, the API answers 401."""


@lru_cache(maxsize=1)
def templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("crossaudit.serve", "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["value"] = lambda value, name="": "" if value is None else format_value(name, value)
    env.filters["when"] = lambda value: short_time(None if value is None else str(value))
    env.globals.update(LABEL_NAMES=LABEL_NAMES, SEVERITY_NAMES=SEVERITY_NAMES, STATUS_NAMES=STATUS_NAMES,
                       prop_name=prop_name, FONT=FONT, FORMATS=FORMATS, VERDICTS=VERDICTS)
    return env


def create_app(store: Store, users: Users) -> FastAPI:
    """The console over an open store (owned by the app from now on) and the users file in force."""
    console = Console(store, users)
    sessions = Sessions()
    loads = views.Loads(console)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        anyio.to_thread.current_default_thread_limiter().total_tokens = STORE_THREADS
        console.warm(name_index)
        yield
        console.close()  # the queued audit entries written, the store closed

    app = FastAPI(title="crossaudit console API", version="1", docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json", lifespan=lifespan,
                  description="疑点核查控制台的 JSON 接口：登录后以会话 cookie 调用，写操作带 X-CSRF-Token。")
    app.state.console, app.state.sessions, app.state.loads = console, sessions, loads

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(HEADERS)
        if not request.url.path.startswith("/assets/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    # --- sessions ------------------------------------------------------------------------------

    def session(request: Request) -> Session:
        found = sessions.get(request.cookies.get(COOKIE))
        if found is None:
            raise LoginNeeded()
        return found

    def checked(request: Request, token: str | None = None) -> Session:
        """The session of a state change, if its CSRF token (form or header) matches."""
        found = session(request)
        if not same_token(token or request.headers.get("x-csrf-token"), found.csrf):
            console.audit(found.user, "csrf", request.url.path, "denied", "missing or wrong CSRF token")
            raise AccessDenied("CSRF 校验失败：请刷新页面后重试")
        return found

    def start_session(user: User) -> Session:
        console.audit(user, "login", user.name, "allowed")
        return sessions.open(user)

    def with_cookie(response: Response, opened: Session) -> Response:
        response.set_cookie(COOKIE, opened.token, httponly=True, samesite="strict", max_age=SESSION_HOURS * 3600,
                            secure=False)  # bound to 127.0.0.1 by default; behind TLS, a proxy adds Secure
        return response

    def authenticate(name: str, password: str) -> User:
        user = users.users.get(name)
        if user is None or not check_password(user.password, password):
            if user is not None:
                console.audit(user, "login", name, "denied", "wrong password")
            raise AccessDenied("用户名或密码错误")
        return user

    def page(template: str, request: Request, status: int = 200, **context: Any) -> HTMLResponse:
        found = sessions.get(request.cookies.get(COOKIE))
        user = found.user if found else None
        may = {action: bool(user and user.may(action)) for action in PERMISSIONS}
        body = templates().get_template(template).render(
            user=user, csrf=found.csrf if found else "", may=may, busy=console.writer_busy.is_set(),
            path=request.url.path, **context)
        return HTMLResponse(body, status_code=status)

    def answer(data: Any) -> Response:
        return Response(json.dumps(finite(data), ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                                   default=_json_value).encode("utf-8"), media_type="application/json")

    # --- errors --------------------------------------------------------------------------------

    @app.exception_handler(LoginNeeded)
    async def _login_needed(request: Request, exc: LoginNeeded):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "请先登录 (POST /api/login)"}, status_code=401)
        return RedirectResponse("/login", status_code=303)

    for kind, status in views.ERRORS.items():
        def handler(request: Request, exc: Exception, status: int = status):
            if request.url.path.startswith("/api/"):
                return JSONResponse({"detail": str(exc)}, status_code=status)
            return page("error.html", request, status=status, message=str(exc), status_code=status)

        app.add_exception_handler(kind, handler)

    # --- login ---------------------------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, failed: str | None = None):
        token = secrets.token_urlsafe(24)
        response = page("login.html", request, login_token=token, failed=failed)
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", max_age=900)
        return response

    @app.post("/login", include_in_schema=False)
    def login(request: Request, username: str = Form(...), password: str = Form(...), login_token: str = Form("")):
        if not same_token(login_token, request.cookies.get(LOGIN_COOKIE) or ""):
            raise AccessDenied("登录表单已过期：请刷新后重新登录")
        try:
            user = authenticate(username, password)
        except AccessDenied:
            return RedirectResponse("/login?failed=1", status_code=303)
        response = with_cookie(RedirectResponse("/findings" if user.may("findings.list") else "/search",
                                                status_code=303), start_session(user))
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf: str = Form("")):
        found = checked(request, csrf)
        sessions.close(found.token)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @app.post("/api/login", tags=["session"], summary="登录：返回 CSRF 令牌并设置会话 cookie")
    def api_login(credentials: dict = Body(..., examples=[{"user": "wang", "password": "…"}])):
        user = authenticate(str(credentials.get("user", "")), str(credentials.get("password", "")))
        opened = start_session(user)
        return with_cookie(JSONResponse({"user": user.name, "role": user.role, "office": user.office,
                                         "csrf_token": opened.csrf}), opened)

    @app.post("/api/logout", tags=["session"], summary="退出登录")
    def api_logout(request: Request):
        sessions.close(checked(request).token)
        return answer({"ok": True})

    # --- static ------------------------------------------------------------------------------

    @app.get("/assets/vis-network.min.js", include_in_schema=False)
    def vis_script():
        return Response(vis_assets()[0], media_type="application/javascript",
                        headers={"Cache-Control": "max-age=86400"})

    @app.get("/assets/vis-network.css", include_in_schema=False)
    def vis_style():
        return Response(vis_assets()[1], media_type="text/css", headers={"Cache-Control": "max-age=86400"})

    @app.get("/api/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_docs(request: Request):
        return page("api.html", request, schema=app.openapi())

    # --- pages ----------------------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def home(request: Request):
        user = session(request).user
        return RedirectResponse("/findings" if user.may("findings.list") else "/search", status_code=303)

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request, q: str = ""):
        user = session(request).user
        return page("search.html", request, result=views.search(console, user, q) if q.strip() else None, q=q)

    @app.get("/entity/{ref}", response_class=HTMLResponse, include_in_schema=False)
    def entity_page(request: Request, ref: str):
        return page("entity.html", request, **views.entity(console, session(request).user, ref))

    @app.get("/network", response_class=HTMLResponse, include_in_schema=False)
    def network_page(request: Request, ref: str | None = None, finding: str | None = None, type: str | None = None):
        user = session(request).user
        if finding:
            console.require_finding(user, "findings.show", finding)
            source = f"/api/findings/{finding}/network"
        elif ref:
            source = f"/api/entities/{ref}/neighbours" + (f"?type={type}" if type in LABEL_NAMES else "")
        else:
            raise views.NotFound("请从搜索结果或疑点打开网络视图")
        return page("network.html", request, source=source, seed=ref, finding=finding)

    @app.get("/findings", response_class=HTMLResponse, include_in_schema=False)
    def queue_page(request: Request, rule: str = "", pack: str = "", severity: str = "", status: str = "",
                   sort: str = "severity"):
        data = views.queue(console, session(request).user, rule, pack, severity, status, sort)
        return page("queue.html", request, **data)

    @app.get("/findings/{finding_id}", response_class=HTMLResponse, include_in_schema=False)
    def finding_page(request: Request, finding_id: str, done: str | None = None):
        data = views.finding(console, session(request).user, finding_id)
        return page("finding.html", request, done=done, **data)

    @app.post("/findings/{finding_id}/push", include_in_schema=False)
    def push_form(request: Request, finding_id: str, csrf: str = Form("")):
        views.push_finding(console, checked(request, csrf).user, finding_id)
        return RedirectResponse(f"/findings/{finding_id}?done=pushed", status_code=303)

    @app.post("/findings/{finding_id}/verify", include_in_schema=False)
    def verify_form(request: Request, finding_id: str, status: str = Form(...), note: str = Form(""),
                    recovered: str = Form(""), csrf: str = Form("")):
        user = checked(request, csrf).user
        views.verify_finding(console, user, finding_id, status, note, _amount(recovered))
        return RedirectResponse(f"/findings/{finding_id}?done={status}", status_code=303)

    @app.get("/findings/{finding_id}/export.{fmt}", include_in_schema=False)
    def export_file(request: Request, finding_id: str, fmt: str):
        return _download(*views.export(console, session(request).user, finding_id, fmt))

    @app.get("/stats", response_class=HTMLResponse, include_in_schema=False)
    def stats(request: Request):
        return HTMLResponse(views.stats_page(console, session(request).user))

    @app.get("/ledger", response_class=HTMLResponse, include_in_schema=False)
    def ledger(request: Request, period: str | None = None):
        return HTMLResponse(views.ledger_page(console, session(request).user, period))

    # --- the JSON API ---------------------------------------------------------------------------

    @app.get("/api/search", tags=["entities"], summary="按证照号码或名称（模糊）搜索实体")
    def api_search(request: Request, q: str = Query(..., min_length=1)):
        return answer(views.search(console, session(request).user, q))

    @app.get("/api/entities/{ref}", tags=["entities"], summary="实体：事实与来源、疑点、关联实体计数")
    def api_entity(request: Request, ref: str):
        return answer(views.entity(console, session(request).user, ref))

    @app.get("/api/entities/{ref}/neighbours", tags=["network"], summary="展开节点：某类型的相邻实体")
    def api_neighbours(request: Request, ref: str, type: str | None = Query(None, description="实体类型，如 Person"),
                       max_per_type: int = Query(20, ge=1, le=200)):
        return answer(views.neighbours(console, session(request).user, ref, type or None, max_per_type))

    @app.get("/api/paths", tags=["network"], summary="两实体如何关联：4 跳以内的最短路径")
    def api_paths(request: Request, a: str, b: str):
        return answer(views.paths(console, session(request).user, a, b))

    @app.get("/api/findings", tags=["findings"], summary="本机关及下级机关的疑点队列")
    def api_findings(request: Request, rule: str = "", pack: str = "", severity: str = "", status: str = "",
                     sort: str = Query("severity", pattern=f"^({'|'.join(views.SORTS)})$"),
                     limit: int = Query(500, ge=1, le=5000)):
        return answer(views.queue(console, session(request).user, rule, pack, severity, status, sort, limit))

    @app.get("/api/findings/{finding_id}", tags=["findings"], summary="疑点：证据、实体与来源行、处理记录")
    def api_finding(request: Request, finding_id: str):
        return answer(views.finding(console, session(request).user, finding_id))

    @app.get("/api/findings/{finding_id}/network", tags=["network"], summary="疑点网络：标记实体与证据路径")
    def api_finding_network(request: Request, finding_id: str):
        return answer(views.finding_network(console, session(request).user, finding_id))

    @app.post("/api/findings/{finding_id}/push", tags=["findings"], summary="推送疑点至主管税务机关")
    def api_push(request: Request, finding_id: str):
        return answer(views.push_finding(console, checked(request).user, finding_id))

    @app.post("/api/findings/{finding_id}/verify", tags=["findings"], summary="核实反馈：核实中、确认或排除")
    def api_verify(request: Request, finding_id: str, body: dict = Body(
            ..., examples=[{"status": "confirmed", "note": "补缴契税", "recovered": 120000}])):
        user = checked(request).user
        return answer(views.verify_finding(console, user, finding_id, str(body.get("status")), body.get("note"),
                                           _amount(body.get("recovered"))))

    @app.get("/api/findings/{finding_id}/export", tags=["findings"], summary="下载案卷（json、graphml、xlsx、html）")
    def api_export(request: Request, finding_id: str, format: str = Query("json", pattern=f"^({'|'.join(FORMATS)})$")):
        return _download(*views.export(console, session(request).user, finding_id, format))

    @app.get("/api/stats", tags=["statistics"], summary="风险税额与已追缴税款统计")
    def api_stats(request: Request):
        from crossaudit.engine.stats import finding_stats

        user = session(request).user
        console.require(user, "stats", "api")
        totals = finding_stats(console.store(), console.office_scope(user), console.clearance(user))
        console.audit(user, "stats", "api", "allowed")
        return answer(totals)

    @app.post("/api/loads", tags=["loads"], summary="在服务器进程内加载部门数据（加载期间读取不受影响）")
    def api_load(request: Request, body: dict = Body(..., examples=[{"directory": "/data/2026-11",
                                                                       "delivered_on": "2026-11-08"}])):
        user = checked(request).user
        delivered = body.get("delivered_on")
        return answer(loads.submit(user, str(body.get("directory", "")),
                                   dt.date.fromisoformat(delivered) if delivered else None))

    @app.get("/api/loads/{job_id}", tags=["loads"], summary="加载任务状态")
    def api_load_status(request: Request, job_id: str):
        return answer(loads.get(session(request).user, job_id))

    return app


def _json_value(value: Any) -> Any:
    """What json.dumps does not write itself: dates and times as ISO 8601, Decimals as numbers, sets
    as sorted lists. (FastAPI's jsonable_encoder did this, and walked every value of a network
    answer in Python: 12 ms of a 200 ms expand.)"""
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _amount(text: Any) -> float | None:
    """Tax recovered as typed: blank is none; anything else must be a number."""
    if text in (None, ""):
        return None
    try:
        return float(str(text).replace(",", ""))
    except ValueError:
        raise ValueError(f"追缴税款须为数字：{text!r}") from None


def _download(content: bytes, name: str, media: str) -> Response:
    return Response(content, media_type=media,
                    headers={"Content-Disposition": f"attachment; filename=\"{name}\"",
                             "X-Content-Type-Options": "nosniff"})
