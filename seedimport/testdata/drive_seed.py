#!/usr/bin/python3
"""Drive a running seed (Django) backend through its API to make the
database that seedimport's tests import, and record the seed's answers.

    drive_seed.py BASE_URL WORKDIR OUTDIR

BASE_URL is the seed's server (../../shared/reference/run.sh), WORKDIR its
directory (for manage.py shell: PA profiles have no API in the seed, its
admin edits them in Django admin). Writes OUTDIR/seed_answers.json: every
user's /api/auth/me/ (after signing in with their password), every shift's
/api/shifts/{id}/ and every period's /api/schedule-periods/{id}/, as the
admin sees them; and OUTDIR/seed_users.json: each user's email and password.
Run by make_fixture.sh.
"""
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

BASE, WORKDIR, OUT = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]


def call(method, path, token=None, body=None, want=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req) as res:
            status, raw = res.status, res.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    out = json.loads(raw) if raw else None
    if want is not None and status != want:
        sys.exit(f"{method} {path}: {status}, want {want}: {raw[:500]!r}")
    return out


def login(email, password):
    return call("POST", "/api/auth/login/", body={"email": email, "password": password}, want=200)["tokens"]["access"]


def shell(code):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings_ref", PYTHONPATH=WORKDIR)
    r = subprocess.run(["/usr/bin/python3", "manage.py", "shell", "-c", code], cwd=WORKDIR, env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("manage.py shell: " + r.stderr)
    return r.stdout


ADMIN = ("admin@example.com", "Adm1n-Pass-2030!")
PAS = [
    # email, password, first, last, verified
    ("bea@example.com", "Bea-Secret-2031", "Bea", "Baker", True),
    ("cal@example.com", "Cal-Secret-2032", "Cal", "Cole", True),
    ("dee@example.com", "Dee-Secret-2033", "Dee", "Dunn", True),
    ("eve@example.com", "Eve-Secret-2034", "Eve", "Evans", False),
]

admin = login(*ADMIN)
users = {"admin": ADMIN}
tok = {}
for email, pw, first, last, verified in PAS:
    call("POST", "/api/auth/register/", body={
        "email": email, "username": first.lower(), "password": pw, "password_confirm": pw,
        "first_name": first, "last_name": last, "phone_number": "555-01" + str(len(users)).zfill(2)}, want=201)
    users[first.lower()] = (email, pw)
    if verified:
        t = shell(f"from apps.users.models import EmailVerificationToken as T; "
                  f"print(T.objects.filter(user__email={email!r}).latest('created_at').token)").strip()
        call("POST", "/api/auth/verify-email/", body={"token": t}, want=200)
    tok[first.lower()] = login(email, pw)

# PA profiles: different limits and preferences (the seed's admin does this
# in Django admin; there is no API for it).
shell("""
from apps.users.models import PAProfile
import datetime
p = PAProfile.objects.get(user__email='cal@example.com')
p.max_hours_per_week = 20
p.preferred_start_time = datetime.time(6, 0)
p.preferred_end_time = datetime.time(14, 0)
p.preferred_days = ['Monday', 'Tuesday', 'Wednesday']
p.notes = 'Mornings only, school run after 3'
p.save()
p = PAProfile.objects.get(user__email='bea@example.com')
p.max_hours_per_week = 48
p.preferred_days = ['Friday', 'Saturday', 'Sunday']
p.preferred_start_time = datetime.time(21, 0)
p.preferred_end_time = datetime.time(9, 0)
p.save()
""")

jan = call("POST", "/api/schedule-periods/", admin, {"name": "January 2027", "start_date": "2027-01-04", "end_date": "2027-01-31"}, 201)
feb = call("POST", "/api/schedule-periods/", admin, {"name": "February 2027", "start_date": "2027-02-01", "end_date": "2027-02-28"}, 201)
dec = call("POST", "/api/schedule-periods/", admin, {"name": "December 2026", "start_date": "2026-12-07", "end_date": "2026-12-20"}, 201)
periods = {}
for name, p in (("jan", jan), ("feb", feb), ("dec", dec)):
    lst = call("GET", "/api/schedule-periods/", admin, want=200)["results"]
    periods[name] = next(x["id"] for x in lst if x["name"] == p["name"])


def request(who, period, date, start, end, notes=""):
    call("POST", "/api/shifts/", tok[who], {"schedule_period": periods[period], "date": date,
                                              "start_time": start, "end_time": end, "notes": notes}, 201)
    mine = call("GET", "/api/shifts/", tok[who], want=200)["results"]
    return max(s["id"] for s in mine)


def approve(sid, notes=""):
    call("POST", f"/api/shifts/{sid}/approve/", admin, {"admin_notes": notes}, 200)


s = {}
s["bea_day"] = request("bea", "jan", "2027-01-05", "06:00", "14:00", "Happy to do mornings")
approve(s["bea_day"], "Thanks Bea")
s["cal_late"] = request("cal", "jan", "2027-01-05", "14:00", "22:00")
approve(s["cal_late"])
s["dee_pending"] = request("dee", "jan", "2027-01-06", "06:00", "09:00")
s["cal_rejected"] = request("cal", "jan", "2027-01-06", "10:00", "12:00")
call("POST", f"/api/shifts/{s['cal_rejected']}/reject/", admin, {"rejected_reason": "Too short notice"}, 200)
s["dee_cancelled"] = request("dee", "jan", "2027-01-07", "12:00", "16:00")
call("DELETE", f"/api/shifts/{s['dee_cancelled']}/", tok["dee"], want=200)
s["cal_weekday1"] = request("cal", "jan", "2027-01-07", "09:00", "17:00")
approve(s["cal_weekday1"])
# Overnight, and a double booking across midnight the seed lets through
# (its checks compare times on one date only).
s["bea_overnight"] = request("bea", "jan", "2027-01-07", "21:00", "09:00", "Night shift")
approve(s["bea_overnight"])
s["cal_double"] = request("cal", "jan", "2027-01-08", "07:00", "08:00")
approve(s["cal_double"])
s["cal_weekday2"] = request("cal", "jan", "2027-01-08", "09:00", "17:00")
approve(s["cal_weekday2"], "Over 20 hours this week")
# A zero-length shift, approved.
s["dee_zero"] = request("dee", "jan", "2027-01-09", "10:00", "10:00")
approve(s["dee_zero"])
# The admin's own direct entry.
call("POST", "/api/shifts/", admin, {"schedule_period": periods["jan"], "date": "2027-01-10", "start_time": "06:00",
                                     "end_time": "09:00", "notes": "Covering myself", "admin_direct": True}, 201)
s["admin_direct"] = max(x["id"] for x in call("GET", "/api/shifts/", admin, want=200)["results"])
# A double booking on one date around midnight.
s["bea_late"] = request("bea", "jan", "2027-01-11", "22:00", "02:00")
approve(s["bea_late"])
s["dee_late"] = request("dee", "jan", "2027-01-11", "23:00", "01:00")
approve(s["dee_late"])
# An edited pending request of the unverified PA.
s["eve_edited"] = request("eve", "jan", "2027-01-12", "09:00", "17:00", "first try")
call("PATCH", f"/api/shifts/{s['eve_edited']}/", tok["eve"], {"notes": "Can start at 9 sharp"}, 200)

s["bea_feb"] = request("bea", "feb", "2027-02-02", "06:00", "14:00")
approve(s["bea_feb"])
s["dee_feb"] = request("dee", "feb", "2027-02-03", "21:00", "07:00")
call("PATCH", f"/api/schedule-periods/{periods['feb']}/", admin, {"status": "LOCKED"}, 200)

s["bea_dec"] = request("bea", "dec", "2026-12-08", "06:00", "14:00")
approve(s["bea_dec"])
s["cal_dec"] = request("cal", "dec", "2026-12-09", "06:00", "09:00")
call("POST", f"/api/schedule-periods/{periods['dec']}/finalize/", admin, {}, 200)

answers = {"me": {}, "shifts": {}, "periods": {}, "shift_names": s, "period_names": periods}
for name, (email, pw) in users.items():
    answers["me"][email] = call("GET", "/api/auth/me/", login(email, pw), want=200)
for name, sid in sorted(s.items(), key=lambda kv: kv[1]):
    answers["shifts"][str(sid)] = call("GET", f"/api/shifts/{sid}/", admin, want=200)
for name, pid in periods.items():
    answers["periods"][str(pid)] = call("GET", f"/api/schedule-periods/{pid}/", admin, want=200)

with open(os.path.join(OUT, "seed_answers.json"), "w") as f:
    json.dump(answers, f, indent=1, sort_keys=True)
    f.write("\n")
with open(os.path.join(OUT, "seed_users.json"), "w") as f:
    json.dump({email: pw for email, pw in users.values()}, f, indent=1, sort_keys=True)
    f.write("\n")
print(f"seed driven: {len(users)} users, {len(periods)} periods, {len(s)} shifts")
