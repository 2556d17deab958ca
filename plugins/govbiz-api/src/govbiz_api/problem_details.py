"""Errors as RFC 9457 problem details (`application/problem+json`), in Chinese or English.

Each govbiz error becomes one JSON object: `type` (a `urn:govbiz:problem:…`
name per kind of error), `title`, `status`, `detail`, and the facts the
error carries as extension members (`field`, `value`, `reason`,
`errors` for a validation error; `state`, `action`, `allowed_actions`
for an illegal transition; `current_version` for a conflict …), so a
county system can act on them without parsing the text.  `title` and
`detail` follow the request's `Accept-Language` (Chinese unless English is
preferred); the members do not change with the language.
"""

from __future__ import annotations

from typing import Any

import attrs

from govbiz.domain.lifecycle import Action, ProblemState
from govbiz.errors import (
    CalendarCoverageError,
    ConcurrencyError,
    GovbizError,
    IllegalTransitionError,
    NotFoundError,
    PermissionDeniedError,
    StorageError,
    ValidationError,
)
from govbiz_api.idempotency import IdempotencyInProgressError, IdempotencyMismatchError
from govbiz_api.status import TooManyAttemptsError, UnknownStatusError
from govbiz_api.tokens import TokenRefusedError

__all__ = ["MEDIA_TYPE", "PreconditionFailedError", "Problem", "language", "problem_for", "problem_of_status"]

#: The media type of every error response.
MEDIA_TYPE = "application/problem+json"


class PreconditionFailedError(GovbizError):
    """`If-Match` named a version that is no longer the problem's (HTTP 412); nothing was changed."""

    def __init__(self, problem_id: str, if_match: str, current: int) -> None:
        self.problem_id = problem_id
        self.if_match = if_match
        self.current = current
        super().__init__(f"problem {problem_id!r} is at version {current}, not {if_match}: reload and retry")


@attrs.frozen(slots=True)
class Problem:
    """One problem details object: its status and JSON members."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = attrs.field(factory=dict)


def language(accept_language: str | None) -> str:
    """`"en"` when the header prefers English to Chinese, else `"zh"` (the default)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in ("zh", "en") and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else "zh"


_TITLES: dict[str, tuple[str, str]] = {
    "validation": ("输入不合法", "Invalid input"),
    "not-found": ("记录不存在", "Not found"),
    "permission-denied": ("无权操作", "Permission denied"),
    "illegal-transition": ("状态不允许", "Action not allowed in this state"),
    "conflict": ("并发冲突", "Conflict: changed by someone else"),
    "precondition-failed": ("版本已过期", "Precondition failed: stale version"),
    "unauthorized": ("令牌无效", "Unauthorized"),
    "idempotency-key-reused": ("幂等键已用于其他请求", "Idempotency key reused for another request"),
    "idempotency-key-in-progress": ("同一幂等键的请求正在处理", "Idempotency key in progress"),
    "calendar-coverage": ("日历未覆盖", "Calendar does not cover the date"),
    "storage-unavailable": ("存储不可用", "Storage unavailable"),
    "status-not-found": ("查询号或查询码不正确", "Number or query code not recognised"),
    "too-many-attempts": ("请求过于频繁", "Too many requests"),
    "error": ("请求未能完成", "Request failed"),
    "http": ("请求未能完成", "Request failed"),
}


def _problem(slug: str, status: int, lang: str, detail_zh: str, detail_en: str, **members: Any) -> Problem:
    zh, en = _TITLES[slug]
    body = {
        "type": f"urn:govbiz:problem:{slug}",
        "title": zh if lang == "zh" else en,
        "status": status,
        "detail": detail_zh if lang == "zh" else detail_en,
        **members,
    }
    return Problem(status=status, body=body)


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return str(value)


def _state_zh(state: str) -> str:
    name = state.split(" ", maxsplit=1)[0]
    try:
        return ProblemState(name).label_zh + ("（中止中）" if "suspended" in state else "")
    except ValueError:
        return state


def _action_zh(action: str) -> str:
    try:
        return Action(action).label_zh
    except ValueError:
        return action


def problem_for(error: GovbizError, lang: str) -> Problem:  # noqa: PLR0911 (one return per kind)
    """The problem details of a govbiz error (`lang` is `"zh"` or `"en"`)."""
    english = str(error)
    if isinstance(error, ValidationError):
        return _problem(
            "validation",
            422,
            lang,
            f"字段 {error.field} 的值不被接受：{error.reason}",
            english,
            field=error.field,
            value=_json_value(error.value),
            reason=error.reason,
            errors=_json_value(error.errors),
        )
    if isinstance(error, NotFoundError):
        return _problem(
            "not-found",
            404,
            lang,
            f"没有{error.kind} {error.key!r}（或不在您的辖区）",
            english,
            kind=error.kind,
            key=_json_value(error.key),
        )
    if isinstance(error, PermissionDeniedError):
        return _problem(
            "permission-denied",
            403,
            lang,
            f"{error.actor} 无权执行 {_action_zh(error.action)}：{error.reason}",
            english,
            actor=error.actor,
            action=error.action,
            reason=error.reason,
        )
    if isinstance(error, IllegalTransitionError):
        allowed = "、".join(_action_zh(a) for a in error.allowed) or "无（已办结）"
        return _problem(
            "illegal-transition",
            409,
            lang,
            f"问题 {error.problem_id} 当前为“{_state_zh(error.state)}”，不能{_action_zh(error.action)}；"
            f"现在允许：{allowed}",
            english,
            problem_id=error.problem_id,
            state=error.state,
            action=error.action,
            allowed_actions=list(error.allowed),
        )
    if isinstance(error, ConcurrencyError):
        found = "已不存在" if error.actual is None else f"现为版本 {error.actual}"
        problem = _problem(
            "conflict",
            409,
            lang,
            f"{error.kind} {error.key} 已被他人修改：预期版本 {error.expected}，{found}；请重新读取后再试",
            english,
            kind=error.kind,
            key=_json_value(error.key),
            expected_version=error.expected,
            current_version=error.actual,
        )
        if error.actual is not None:
            return attrs.evolve(problem, headers={"ETag": f'"{error.actual}"'})
        return problem
    if isinstance(error, PreconditionFailedError):
        problem = _problem(
            "precondition-failed",
            412,
            lang,
            f"问题 {error.problem_id} 现为版本 {error.current}，"
            f"不是 If-Match 所给的 {error.if_match}；请重新读取后再试",
            english,
            problem_id=error.problem_id,
            if_match=error.if_match,
            current_version=error.current,
        )
        return attrs.evolve(problem, headers={"ETag": f'"{error.current}"'})
    return _problem_of_service(error, lang, english)


def _problem_of_service(error: GovbizError, lang: str, english: str) -> Problem:  # noqa: PLR0911
    if isinstance(error, TokenRefusedError):
        reasons = {
            "missing": "缺少令牌",
            "malformed": "令牌格式不对",
            "unknown": "令牌不存在或不正确",
            "revoked": "令牌已吊销",
            "expired": "令牌已过期",
            "invalid": "令牌无效",
            "unmapped_role": "令牌中的角色未对应本系统的角色",
        }
        problem = _problem(
            "unauthorized",
            401,
            lang,
            f"{reasons.get(error.reason, error.reason)}（Authorization: Bearer …）",
            english,
            reason=error.reason,
        )
        return attrs.evolve(problem, headers={"WWW-Authenticate": 'Bearer realm="govbiz"'})
    if isinstance(error, IdempotencyMismatchError):
        return _problem(
            "idempotency-key-reused",
            422,
            lang,
            f"幂等键 {error.key!r} 已在 24 小时内用于另一个请求",
            english,
            key=error.key,
        )
    if isinstance(error, IdempotencyInProgressError):
        return _problem(
            "idempotency-key-in-progress",
            409,
            lang,
            f"幂等键 {error.key!r} 的首个请求仍在处理，请稍后重试",
            english,
            key=error.key,
        )
    if isinstance(error, CalendarCoverageError):
        return _problem(
            "calendar-coverage",
            422,
            lang,
            f"工作日日历没有 {error.year} 年的放假安排",
            english,
            year=error.year,
            first_year=error.first_year,
            last_year=error.last_year,
        )
    if isinstance(error, UnknownStatusError):
        return _problem("status-not-found", 404, lang, "查询号或查询码不正确，请核对后再试", english)
    if isinstance(error, TooManyAttemptsError):
        problem = _problem(
            "too-many-attempts",
            429,
            lang,
            f"请求或查询码错误次数过多，请 {error.retry_after} 秒后再试",
            english,
            retry_after=error.retry_after,
        )
        return attrs.evolve(problem, headers={"Retry-After": str(error.retry_after)})
    if isinstance(error, StorageError):
        return _problem("storage-unavailable", 503, lang, f"数据库暂不可用：{error.reason}", english)
    return _problem("error", 400, lang, english, english)


def problem_of_status(status: int, detail: str, lang: str, **members: Any) -> Problem:
    """A problem details object for an HTTP-level error (an unknown route, a bad query parameter)."""
    if status == 422:
        return _problem("validation", 422, lang, "请求参数不合法", detail, **members)
    zh = {404: "没有这个地址", 405: "此地址不接受这个方法", 500: "服务器内部错误，请查看服务日志"}.get(
        status, "请求未能完成"
    )
    return _problem("http", status, lang, zh, detail, **members)
