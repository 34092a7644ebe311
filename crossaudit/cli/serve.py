"""`crossaudit serve`: the web console for investigators and tax inspectors (crossaudit.serve)."""
from __future__ import annotations

import click

from crossaudit.cli.common import acting_user, main_group, require_users_file, store_uri

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@main_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but this machine makes the console reachable from the network.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--hash-password", is_flag=True,
              help="Ask for a password and print the hash to write as a user's `password:` in the users file.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, hash_password: bool) -> None:
    """Serve the console: search, entity pages, networks, the findings queue and their lifecycle,
    downloads, and the JSON API under /api (described at /api/docs). The server holds the store
    for as long as it runs; on the embedded engine, submit loads through it (POST /api/loads).
    Users log in with the password whose hash their entry in the users file holds."""
    from crossaudit.engine import audit, open_store
    from crossaudit.engine.access import load_users
    from crossaudit.serve.auth import hash_password as make_hash

    if hash_password:
        click.echo(make_hash(click.prompt("password", hide_input=True, confirmation_prompt=True)))
        return
    import uvicorn

    from crossaudit.serve.app import create_app

    users, user = load_users(), acting_user(ctx)
    store = open_store(store_uri(ctx))
    require_users_file(store)
    audit.record(store, user, "serve", f"{host}:{port}", "allowed")
    locked_out = sorted(name for name, declared in users.users.items() if declared.password is None)
    if users.digest is None:
        click.echo("warning: no users file ($CROSSAUDIT_USERS): nobody can log in; declare users with passwords",
                   err=True)
    elif locked_out:
        click.echo(f"note: users without a password cannot log in: {', '.join(locked_out)}", err=True)
    if host not in LOCAL_HOSTS:
        click.echo(f"warning: listening on {host}: the console is reachable from the network; put it behind TLS",
                   err=True)
    uvicorn.run(create_app(store, users), host=host, port=port, log_level="warning")
