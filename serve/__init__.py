"""crossaudit.serve: the web console (`crossaudit serve`) for investigators and tax inspectors.

    from crossaudit.serve.app import create_app
    app = create_app(open_store("ladybug:./crossaudit.db"), load_users("users.yaml"))

Pieces: `auth` (password hashes, sessions, CSRF), `console` (the one hold on the store shared by
every request, the audit queue, node references), `reads` (fuzzy search, linked counts, paths),
`views` (one function per page or API answer), `app` (the FastAPI routes and templates).
"""
