"""Administration of users and role grants."""
from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from engine.models import AuditEvent, User
from engine.runtime import Runtime
from tests.web.conftest import PASSWORD, login_as


def user(runtime: Runtime, username: str) -> User | None:
    with runtime.sessions() as session:
        return session.scalar(select(User).where(User.username == username))


def grants(runtime: Runtime, username: str) -> set[tuple[str, str | None]]:
    found = user(runtime, username)
    assert found is not None
    return {(g.role, g.scope) for g in found.grants}


def audit_actions(runtime: Runtime) -> list[str]:
    with runtime.sessions() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_only_administrators_manage_users(client: FlaskClient, users: dict[str, int]) -> None:
    login_as(client, "officer")
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users", data={"username": "x"}).status_code == 403
    assert client.post(f"/admin/users/{users['founder']}/grants", data={"role": "admin"}).status_code == 403
    assert client.post(f"/admin/users/{users['founder']}/active", data={"active": "0"}).status_code == 403


def test_create_user_who_then_signs_in(client: FlaskClient, runtime: Runtime) -> None:
    login_as(client, "admin")
    response = client.post("/admin/users", data={
        "username": "baise", "display_name": "百色市科技局", "email": "baise@example.cn",
        "password": "a-long-password", "organization_id": "", "role": "recommender", "scope": "百色市"},
        follow_redirects=True)
    assert "已创建用户 baise" in response.get_data(as_text=True)
    assert grants(runtime, "baise") == {("recommender", "百色市")}
    created = user(runtime, "baise")
    assert created is not None and created.password_hash.startswith("$argon2")
    assert audit_actions(runtime)[-2:] == ["user_created", "role_granted"]
    client.post("/logout")
    assert client.post("/login", data={"username": "baise", "password": "a-long-password"}).status_code == 302


def test_create_user_reports_every_field_problem(client: FlaskClient, runtime: Runtime) -> None:
    login_as(client, "admin")
    html = client.post("/admin/users", data={"username": "officer", "display_name": "", "password": "short"},
                       follow_redirects=True).get_data(as_text=True)
    assert "该用户名已存在" in html and "请填写姓名或单位名称" in html and "密码至少 8 位" in html
    html = client.post("/admin/users", data={"username": "new user!", "display_name": "某人", "password": "x" * 10,
                                             "role": "recommender", "scope": ""}, follow_redirects=True).get_data(
        as_text=True)
    assert "用户名须为" in html
    html = client.post("/admin/users", data={"username": "newuser", "display_name": "某人", "password": "x" * 10,
                                             "role": "recommender", "scope": ""}, follow_redirects=True).get_data(
        as_text=True)
    assert "推荐单位须指定所辖设区市" in html
    assert user(runtime, "newuser") is None  # the grant's failure rolled the whole command back


def test_grant_and_revoke_roles(client: FlaskClient, runtime: Runtime, users: dict[str, int]) -> None:
    login_as(client, "admin")
    uid = users["expert7"]
    client.post(f"/admin/users/{uid}/grants", data={"role": "recommender", "scope": "柳州市"})
    assert grants(runtime, "expert7") == {("expert", None), ("recommender", "柳州市")}
    html = client.post(f"/admin/users/{uid}/grants", data={"role": "officer", "scope": "南宁市"},
                       follow_redirects=True).get_data(as_text=True)
    assert "只有推荐单位的角色需要范围" in html
    assert client.post(f"/admin/users/{uid}/grants", data={"role": "recommender", "scope": "柳州市"}).status_code == 409
    assert client.post(f"/admin/users/{uid}/grants", data={"role": "boss"}, follow_redirects=True).status_code == 200
    found = user(runtime, "expert7")
    assert found is not None
    grant_id = next(g.id for g in found.grants if g.role == "recommender")
    client.post(f"/admin/users/{uid}/grants/{grant_id}/revoke")
    assert grants(runtime, "expert7") == {("expert", None)}
    assert client.post(f"/admin/users/{uid}/grants/{grant_id}/revoke").status_code == 404
    assert audit_actions(runtime)[-2:] == ["role_granted", "role_revoked"]


def test_deactivated_users_cannot_sign_in(client: FlaskClient, runtime: Runtime, users: dict[str, int]) -> None:
    login_as(client, "admin")
    client.post(f"/admin/users/{users['expert5']}/active", data={"active": "0"})
    found = user(runtime, "expert5")
    assert found is not None and found.active is False
    assert "user_deactivated" in audit_actions(runtime)
    client.post("/logout")
    assert client.post("/login", data={"username": "expert5", "password": PASSWORD}).status_code == 401
    login_as(client, "admin")
    client.post(f"/admin/users/{users['expert5']}/active", data={"active": "1"})
    client.post("/logout")
    assert client.post("/login", data={"username": "expert5", "password": PASSWORD}).status_code == 302


def test_administrators_cannot_lock_themselves_out(client: FlaskClient, runtime: Runtime,
                                                   users: dict[str, int]) -> None:
    login_as(client, "admin")
    assert client.post(f"/admin/users/{users['admin']}/active", data={"active": "0"}).status_code == 403
    found = user(runtime, "admin")
    assert found is not None and found.active
    admin_grant = next(g.id for g in found.grants if g.role == "admin")
    assert client.post(f"/admin/users/{users['admin']}/grants/{admin_grant}/revoke").status_code == 403
    assert grants(runtime, "admin") == {("admin", None)}


def test_user_list_shows_roles_and_scopes(client: FlaskClient) -> None:
    login_as(client, "admin")
    html = client.get("/admin/users").get_data(as_text=True)
    row = html.split('data-username="nanning"')[1].split("</tr>")[0]
    assert "推荐单位（南宁市）" in row and "停用" in row
