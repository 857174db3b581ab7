"""The provider's few HTML pages (kept in code: nothing to package beside the modules)."""

from __future__ import annotations

_STYLE = """<style>
body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#1d2433}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.45rem;box-sizing:border-box}
button{margin-top:1.2rem;padding:.5rem 1.2rem}.alert{background:#fdecea;border:1px solid #f5c2c0;padding:.6rem}
.muted{color:#5b6475;font-size:.9rem}</style>"""

LOGIN = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign in — {{ group }}</title>""" + _STYLE + """</head>
<body>
<h1>Sign in to the group</h1>
<p class="muted">{{ client_name }} asks who you are.</p>
{% if error %}<p class="alert" role="alert">{{ error }}</p>{% endif %}
<form method="post" action="{{ action }}">
  <input type="hidden" name="csrf" value="{{ csrf }}">
  <label for="username">Username</label>
  <input id="username" name="username" value="{{ username }}" autocomplete="username" required autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <label for="otp">One-time code <span class="muted">(if your account uses an authenticator app)</span></label>
  <input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="8">
  <button type="submit">Sign in</button>
</form>
</body></html>"""

ERROR = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title>""" + _STYLE + """</head>
<body>
<h1>This sign-in request cannot be served</h1>
<p class="alert" role="alert"><code>{{ error }}</code>{% if description %}: {{ description }}{% endif %}</p>
<p class="muted">Go back to the application and start again.</p>
</body></html>"""

LOGOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign out</title>""" + _STYLE + """</head>
<body>
{% if done %}<h1>You are signed out of the group</h1>
{% else %}<h1>Sign out of the group?</h1>
<form method="post"><input type="hidden" name="csrf" value="{{ csrf }}"><button type="submit">Sign out</button></form>
{% endif %}
</body></html>"""
