"""The election pages: voting with a code, the receipt check, public results, the staff page, the PDF.

The counted contest is the worked example of ``test_elections_core`` (Scottish STV, 2 seats, 9 voters):
A>B ×5, B ×1, C ×3; quota 4; stage 1 A 5, B 1, C 3 (A elected); stage 2 A's surplus of 1 moves at 0.2 a
paper to B: A 4, B 2.00000; stage 3 B is excluded; winners A and C.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from clt import roles
from governance.elections.models import Channel, ElectionPhase, Participation, RollEntry
from tests.conftest import make_user, run_queued_jobs
from tests.governance import all_services as gs
from tests.governance.elections.test_elections_core import build_election, cast_worked_example, ids, make_officer
from tests.governance.stored import stored_ballots


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def officer(db):
    return make_officer()


@pytest.fixture
def built(officer):
    return build_election(officer=officer)


def counted(officer, built):
    election, stv, _plurality, codes = built
    receipts = cast_worked_example(stv, codes)
    gs.election_close(actor=officer, reason="polls closed", election=election)
    gs.election_count(actor=officer, reason="count", election=election)
    election.refresh_from_db()
    return election, stv, receipts


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- Voting -----------------------------------------------------------------------------------


def test_a_voter_casts_both_ballots_with_a_code_and_gets_the_receipts(built):
    _election, stv, plurality, codes = built
    _entry, code = codes[0]
    c, p = ids(stv), ids(plurality)
    voter = Client()  # no login: the code is the credential
    page = voter.post("/governance/vote/", {"code": code.lower().replace("-", " "), "step": "code"})
    assert page.status_code == 200
    body = text(page)
    assert "Leaseholder seats" in body and "Chair of the annual meeting" in body
    assert f'name="c{stv.pk}_r{c["A"]}"' in body  # ranked: a rank select per candidate
    assert f'type="checkbox" name="c{plurality.pk}"' in body  # plurality: checkboxes
    assert "Mark at most 1 candidate" in body

    marks = {"code": code, f"c{stv.pk}_r{c['C']}": "1", f"c{stv.pk}_r{c['A']}": "2", f"c{plurality.pk}": str(p["Y"])}
    confirm = voter.post("/governance/vote/", {**marks, "step": "confirm"})
    assert confirm.status_code == 200
    body = text(confirm)
    assert "Check your ballot" in body
    assert re.search(r"<ol class=\"chosen\"><li>C Candidate</li><li>A Candidate</li></ol>", body)
    assert not stored_ballots() and Participation.objects.count() == 0  # nothing stored yet

    done = voter.post("/governance/vote/", {**marks, "step": "cast"})
    assert done.status_code == 200 and done["Cache-Control"].startswith("no-store")
    shown = dict(re.findall(r'data-contest="(\d+)">([A-Z0-9-]+)<', done.content.decode()))
    (stv_ballot,) = stored_ballots(stv)
    assert stv_ballot.receipt == shown[str(stv.pk)]
    assert stv_ballot.choices == [c["C"], c["A"]]
    assert [b.choices for b in stored_ballots(plurality)] == [[p["Y"]]]
    assert "Keep them" in text(done)
    assert Participation.objects.filter(channel=Channel.ONLINE).count() == 2


def test_errors_are_shown_and_nothing_is_stored(built):
    _election, stv, plurality, codes = built
    c, p = ids(stv), ids(plurality)
    voter = Client()
    wrong = voter.post("/governance/vote/", {"code": "AAAA-BBBB-CCCC-DDDD", "step": "code"})
    assert wrong.status_code == 400 and "not valid for an election open for voting" in text(wrong)

    _entry, code = codes[1]
    repeated = {"code": code, f"c{stv.pk}_r{c['A']}": "1", f"c{stv.pk}_r{c['B']}": "1", "step": "confirm"}
    response = voter.post("/governance/vote/", repeated)
    assert response.status_code == 400
    assert "Rank 1 is given to more than one candidate" in text(response)
    gap = {"code": code, f"c{stv.pk}_r{c['A']}": "1", f"c{stv.pk}_r{c['B']}": "3", "step": "cast"}
    assert "Rank 2 is missing" in text(voter.post("/governance/vote/", gap))
    over = {"code": code, f"c{plurality.pk}": [str(p["X"]), str(p["Y"])], "step": "cast"}
    response = voter.post("/governance/vote/", over)
    assert response.status_code == 400 and "You marked 2 candidates; mark at most 1" in text(response)
    assert not stored_ballots() and Participation.objects.count() == 0

    # A used code: the second visit is refused at once.
    gs.ballot_cast(code=code, contest=stv, choices=[c["A"]])
    gs.ballot_cast(code=code, contest=plurality, choices=[p["X"]])
    used = voter.post("/governance/vote/", {"code": code, "step": "code"})
    assert used.status_code == 400 and "already been used" in text(used)
    assert len(stored_ballots()) == 2


def test_a_refusal_in_one_contest_stores_no_ballot_in_the_other(built):
    """Both contests are cast in one transaction: the stv ballot is rolled back with the refused one."""
    _election, stv, plurality, codes = built
    c, p = ids(stv), ids(plurality)
    _entry, code = codes[2]
    gs.ballot_cast(code=code, contest=plurality, choices=[p["X"]])  # e.g. from another tab, meanwhile
    from governance.elections.forms import ContestBallot
    from governance.elections.views import _cast_all

    ballots = [
        ContestBallot(contest=stv, candidates=[], choices=[c["A"]]),
        ContestBallot(contest=plurality, candidates=[], choices=[p["Y"]]),
    ]
    with pytest.raises(Exception, match="already been used"):
        _cast_all(code, ballots, channel=Channel.ONLINE, actor=None, reason="", dry_run=False)
    assert stored_ballots(stv) == []


def test_closed_election_refuses_online_votes(officer, built):
    election, _stv, _plurality, codes = built
    gs.election_close(actor=officer, reason="closed", election=election)
    response = Client().post("/governance/vote/", {"code": codes[0][1], "step": "code"})
    assert response.status_code == 400 and "not valid for an election open for voting" in text(response)


# --- Receipt check and results ------------------------------------------------------------------


def test_receipt_check_before_and_after_the_count(officer, built):
    election, stv, _plurality, codes = built
    receipts = cast_worked_example(stv, codes)
    url = f"/governance/elections/{election.pk}/receipt/"
    before = Client().post(url, {"receipt": receipts[0]})
    assert before.status_code == 200
    assert "once the election has been counted" in text(before) and "counted as cast" not in text(before)

    gs.election_close(actor=officer, reason="closed", election=election)
    gs.election_count(actor=officer, reason="count", election=election)
    found = Client().post(url, {"receipt": receipts[0].lower().replace("-", "")})
    body = text(found)
    assert found.status_code == 200 and "Your ballot was counted as cast" in body
    assert '<ol class="chosen"><li>A Candidate</li><li>B Candidate</li></ol>' in body
    missing = Client().post(url, {"receipt": "ZZZZ-ZZZZ-ZZZZ"})
    assert missing.status_code == 404 and "No ballot with the receipt ZZZZ-ZZZZ-ZZZZ" in text(missing)


def test_results_hidden_until_the_count_then_the_round_table_and_chart(officer, built):
    election = built[0]
    url = f"/governance/elections/{election.pk}/"
    hidden = Client().get(url)
    assert hidden.status_code == 200 and 'id="results-hidden"' in hidden.content.decode()
    assert "round-table" not in hidden.content.decode()

    election, stv, _receipts = counted(officer, built)
    body = text(Client().get(url))
    assert "Elected, in order:</strong> A Candidate, C Candidate" in body
    table = body[body.index(f'id="round-table-{stv.pk}"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table)
    stage1 = re.sub(r"<[^>]+>", "|", rows[1])
    stage2 = re.sub(r"<[^>]+>", "|", rows[2])
    assert re.search(r"\|5\.00000 \|\(5\.00000\)\| \|elected\|.*\|1\.00000 .*\|3\.00000 ", stage1)
    assert "|4.00000 |(-1.00000)|" in stage2 and "|2.00000 |(1.00000)|" in stage2
    assert 'role="img"' in body and f'<title id="chart-title-{stv.pk}">' in body
    assert "A Candidate (elected): stage 1 5, stage 2 4," in body  # the description reads the figures
    assert f"/governance/elections/contests/{stv.pk}/ballots/" in body
    blt = Client().get(f"/governance/elections/contests/{stv.pk}/ballots.blt")
    assert blt.status_code == 200 and blt.content.decode().startswith("3 2")
    published = text(Client().get(f"/governance/elections/contests/{stv.pk}/ballots/"))
    assert "9 ballots" in published and "A Candidate, B Candidate" in published


def test_ballots_and_blt_are_not_published_before_the_count(built):
    stv = built[1]
    assert Client().get(f"/governance/elections/contests/{stv.pk}/ballots/").status_code == 404
    assert Client().get(f"/governance/elections/contests/{stv.pk}/ballots.blt").status_code == 404


# --- Staff and officer -----------------------------------------------------------------------


def test_the_staff_page_is_for_staff_and_the_officer_only(officer, built):
    election, stv, _plurality, codes = built
    cast_worked_example(stv, codes[:2])
    url = f"/governance/elections/{election.pk}/manage/"
    assert Client().get(url).status_code == 302  # to the login page
    member = make_user("member1", groups=(roles.MEMBER_GROUP,))
    assert client_for(member).get(url).status_code == 403
    assert (
        client_for(member).post(f"/governance/elections/{election.pk}/action/", {"action": "close"}).status_code == 403
    )
    staff = make_user("staff1", groups=(roles.STAFF_GROUP,))
    body = text(client_for(staff).get(url))
    assert '<dd id="roll-size">11</dd>' in body and '<dd id="voted-count">2</dd>' in body
    names = [str(e.person) for e, _code in codes[:2]]
    voters = body[body.index('id="voters"') :]
    assert all(name in voters for name in names)
    assert "A Candidate" not in voters  # who, never how
    assert 'value="close"' in body and 'value="certify"' not in body  # certifying is the officer's
    assert client_for(officer).get(url).status_code == 200


def test_phases_through_the_buttons_codes_shown_once_and_certify(officer):
    election, _stv, _plurality, _codes = build_election(officer=officer, open_=False)
    staff = make_user("staff2", groups=(roles.STAFF_GROUP,))
    action = f"/governance/elections/{election.pk}/action/"
    no_reason = client_for(staff).post(action, {"action": "open"})
    assert no_reason.status_code == 400 and "Give a reason" in text(no_reason)
    # New roll entries without a code (a lost code is re-issued by clearing it in the service; here: a fresh one).
    entry = RollEntry.objects.filter(election=election).first()
    RollEntry.objects.filter(pk=entry.pk).update(code_hash="")
    issued = client_for(staff).post(action, {"action": "codes", "reason": "mail-out"})
    body = text(issued)
    assert issued.status_code == 200 and issued["Cache-Control"].startswith("no-store")
    code = re.search(r'<td class="mono">([A-Z0-9-]{19})</td>', body).group(1)
    assert "1 code issued" in body and 'download="election-' in body and "data:text/csv" in body
    assert f"{entry.pk}%2C" in body or f"{entry.pk}," in body
    assert RollEntry.objects.get(pk=entry.pk).code_hash == gs.hash_code(election, code)
    assert code not in text(client_for(staff).get(f"/governance/elections/{election.pk}/manage/"))  # once only

    assert client_for(staff).post(action, {"action": "open", "reason": "polls open"}).status_code == 302
    assert client_for(officer).post(action, {"action": "close", "reason": "closed"}).status_code == 302
    queued = client_for(officer).post(action, {"action": "count", "reason": "count"})
    # The count runs as a job (docs/jobs.md): the button leads to the job's page, the worker counts.
    assert queued.status_code == 302 and queued["Location"].startswith("/jobs/")
    run_queued_jobs()
    refused = client_for(staff).post(action, {"action": "certify", "reason": "sign"})
    assert refused.status_code == 400 and "Only the election officer certifies" in text(refused)
    assert client_for(officer).post(action, {"action": "certify", "reason": "sign"}).status_code == 302
    election.refresh_from_db()
    assert election.phase == ElectionPhase.CERTIFIED and election.certified_by == officer


def primary_button(body: str) -> str:
    """The value of the one main (primary) button of the next steps."""
    (value,) = re.findall(r'<button type="submit" class="button primary" name="action" value="(\w+)">', body)
    return value


def test_the_main_button_is_the_next_real_step(officer):
    """Issue 14 §5: once every voter has a code, "Issue access codes" is no longer offered, let alone first."""
    election, _stv, _plurality, _codes = build_election(officer=officer, open_=False)
    staff = client_for(make_user("staff5", groups=(roles.STAFF_GROUP,)))
    url = f"/governance/elections/{election.pk}/manage/"
    entry = RollEntry.objects.filter(election=election).first()
    RollEntry.objects.filter(pk=entry.pk).update(code_hash="")
    body = text(staff.get(url))
    assert primary_button(body) == "codes" and 'value="open"' in body  # one voter still without a code

    staff.post(f"/governance/elections/{election.pk}/action/", {"action": "codes", "reason": "mail-out"})
    body = text(staff.get(url))
    assert primary_button(body) == "open"
    assert 'value="codes"' not in body and "Issue access codes" not in body
    assert '<div class="table-wrap" role="region" tabindex="0" aria-labelledby="voters-caption">' in body
    assert '<caption class="visually-hidden" id="voters-caption">' in body

    staff.post(f"/governance/elections/{election.pk}/action/", {"action": "open", "reason": "polls open"})
    body = text(client_for(officer).get(url))
    assert primary_button(body) == "close" and 'value="codes"' not in body


def test_staff_enter_a_paper_ballot(built):
    election, stv, plurality, codes = built
    c = ids(stv)
    staff = make_user("staff3", groups=(roles.STAFF_GROUP,))
    url = f"/governance/elections/{election.pk}/paper/"
    _entry, code = codes[-1]  # a general member: only the chair contest
    p = ids(plurality)
    client = client_for(staff)
    page = client.post(url, {"code": code, "channel": "paper", "reason": "batch 1", "step": "code"})
    assert page.status_code == 200 and "Chair of the annual meeting" in text(page)
    assert f"c{stv.pk}_r{c['A']}" not in text(page)  # not their contest
    marks = {"code": code, "channel": "paper", "reason": "batch 1", f"c{plurality.pk}": str(p["X"])}
    assert client.post(url, {**marks, "step": "confirm"}).status_code == 200
    done = client.post(url, {**marks, "step": "cast"})
    assert done.status_code == 200 and "Ballot entered" in text(done)
    assert Participation.objects.get(contest=plurality).channel == Channel.PAPER
    member = make_user("member2", groups=(roles.MEMBER_GROUP,))
    assert client_for(member).post(url, {**marks, "step": "cast"}).status_code == 403


def test_the_list_needs_a_fixed_number_of_queries(officer, built, django_assert_max_num_queries):
    for n in range(3):
        gs.election_create(
            actor=officer,
            reason="more",
            name=f"By-election {n}",
            record_date=built[0].record_date,
            opens_at=built[0].opens_at,
            closes_at=built[0].closes_at,
        )
    staff = make_user("staff4", groups=(roles.STAFF_GROUP,))
    client = client_for(staff)
    with django_assert_max_num_queries(8):
        response = client.get("/governance/elections/")
    assert response.status_code == 200 and "By-election 2" in text(response)
    assert "By-election 2" not in text(Client().get("/governance/elections/"))  # drafts are staff-only


# --- The certified results PDF ------------------------------------------------------------------


def test_certified_results_pdf(officer, built):
    from pypdf import PdfReader

    election, stv, _receipts = counted(officer, built)
    url = f"/governance/elections/{election.pk}/results.pdf"
    assert Client().get(url).status_code == 404  # counted, not certified
    gs.election_certify(actor=officer, reason="sign", election=election)
    officer.first_name, officer.last_name = "Elena", "Officer"
    officer.save()
    assert "Certified results (PDF)" in text(Client().get(f"/governance/elections/{election.pk}/"))
    response = Client().get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    pdf_text = re.sub(r"\s+", " ", pdf_text)
    assert "Certified election results" in pdf_text and "Annual election 2025" in pdf_text
    assert "Elected: A Candidate, C Candidate" in pdf_text
    stv.refresh_from_db()
    assert stv.tie_break_seed is not None and f"drawn from the number {stv.tie_break_seed} when the roll" in pdf_text
    assert "Tie-break seed" not in pdf_text and "prior_stage_backward" not in pdf_text
    assert "Certified by Elena Officer" in pdf_text and "Signature of the election officer" in pdf_text
    assert "2.00000" in pdf_text


def test_group_is_the_officer_role(db):
    user = make_officer("officer2")
    assert Group.objects.get(name=roles.ELECTION_OFFICER_GROUP) in user.groups.all()


def test_results_and_manage_pages_speak_in_words_not_codes(officer, built):
    """Issue 14 §4: the method, the tie-break rules and the seed are said in words; the stage column reads
    the count's notes; every table scrolls in a labelled, focusable region."""
    election, stv, _receipts = counted(officer, built)
    body = text(Client().get(f"/governance/elections/{election.pk}/"))
    assert "scottish-stv" not in body and "prior_stage_backward" not in body
    assert "Counted by Single transferable vote (Scottish rules), 2 seats" in body
    assert "Ties are settled by the votes at the latest earlier stage where they differed, then a random order" in body
    stv.refresh_from_db()
    assert "Tie-break seed" not in body
    assert f"drawn from the number {stv.tie_break_seed} when the roll was frozen" in body
    assert "<summary>How to check the random draw for ties</summary>" in body
    assert "surplus of A Candidate (1.00000) transferred" in body
    assert f'aria-labelledby="round-table-caption-{stv.pk}"' in body and f'id="round-table-caption-{stv.pk}"' in body
    manage = text(client_for(officer).get(f"/governance/elections/{election.pk}/manage/"))
    assert "scottish-stv" not in manage and "Single transferable vote (Scottish rules), 2 seats;" in manage
    assert "voters: Lessee member" in manage or "voters: General member" in manage
    assert "lessee," not in manage and "Tie-break seed" not in manage
    assert 'aria-labelledby="voters-caption"' in manage


def test_the_counting_method_choices_are_words(officer, built):
    from governance.elections.forms import ContestForm

    choices = dict(ContestForm().fields["method"].choices)
    assert choices["scottish-stv"] == "Single transferable vote (Scottish rules)"
    assert choices["irv"] == "Instant runoff (ranked choice, one seat)"


# --- A large count fits the PDF ------------------------------------------------------------------


def big_certified_election(officer, *, candidates: int = 15, voters: int = 60, seats: int = 3):
    """An STV contest with many candidates (long names) and many stages, certified."""
    import random

    from django.utils import timezone

    from clt.models import Person
    from tests.governance.elections.test_elections_core import RECORD_DATE, FakeStanding

    now = timezone.now()
    election = gs.election_create(
        actor=officer,
        reason="annual",
        name="Annual election 2026",
        record_date=RECORD_DATE,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=6),
        officer=officer,
    )
    stv = gs.contest_add(
        actor=officer,
        reason="seats",
        election=election,
        title="Leaseholder seats",
        eligible_classes=["lessee"],
        seats=seats,
        method="scottish-stv",
    )
    people = []
    for i in range(candidates):
        person = Person.objects.create(given_name=f"Candidate{i:02d}", family_name="Montgomery-Villanueva")
        gs.candidate_add(actor=officer, reason="nominated", contest=stv, person=person, consented_on=RECORD_DATE)
        people.append(person)
    standings = []
    for i in range(voters):
        person = Person.objects.create(given_name=f"Voter{i}", family_name="Lessee")
        standings.append(FakeStanding(person, "lessee", True, f"person:{person.pk}"))
    gs.roll_freeze(actor=officer, reason="record date", election=election, standings=standings)
    codes = gs.access_codes_issue(actor=officer, reason="mail-out", election=election)
    gs.election_open(actor=officer, reason="polls open", election=election)
    c = [cand.pk for cand in stv.candidates.order_by("ballot_order")]
    rng = random.Random(14)
    weights = [15 - i for i in range(candidates)]  # some lead, most are excluded one by one
    for code in codes.values():
        first = rng.choices(c, weights=weights)[0]
        rest = rng.sample([x for x in c if x != first], k=rng.randint(0, 4))  # short ballots: some exhaust
        gs.ballot_cast(code=code, contest=stv, choices=[first, *rest])
    gs.election_close(actor=officer, reason="polls closed", election=election)
    gs.election_count(actor=officer, reason="count", election=election)
    gs.election_certify(actor=officer, reason="sign", election=election)
    election.refresh_from_db()
    stv.refresh_from_db()
    return election, stv


def pdf_pages(content: bytes):
    """Each page's text and the x, y of every run of text on it, with the page's width and height."""
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(io.BytesIO(content)).pages:
        runs = []

        def visit(text, cm, tm, _font, _size, runs=runs):
            if text.strip():
                runs.append((text, tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

        page_text = page.extract_text(visitor_text=visit)
        pages.append((re.sub(r"\s+", " ", page_text), runs, float(page.mediabox.width), float(page.mediabox.height)))
    return pages


def html_round_table(body: str, contest_pk: int) -> tuple[list[str], list[list[str]]]:
    """The HTML results page's round table: its column headers and each row's cells, as text."""
    table = body[body.index(f'id="round-table-{contest_pk}"') :]
    table = table[: table.index("</table>")]
    headers = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table)]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table)[1:]:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        rows.append([re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip() for cell in cells])
    return headers, rows


def test_the_results_pdf_fits_15_candidates_and_every_stage_with_every_figure(officer):
    """Issue 14 §7: every column and total of the HTML round table is in the PDF, inside the page; the
    certification and the signature line stay together."""
    election, stv = big_certified_election(officer)
    stages = stv.result["stages"]
    assert len(stv.result["candidates"]) == 15 and len(stages) >= 10  # many stages: more than one table
    body = text(Client().get(f"/governance/elections/{election.pk}/"))
    headers, rows = html_round_table(body, stv.pk)
    assert headers[:2] == ["Stage", "Action"] and headers[-3:] == ["Exhausted", "Residual", "Ties"]
    assert len(headers) == 2 + 15 + 3 and len(rows) == len(stages)

    response = Client().get(f"/governance/elections/{election.pk}/results.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = pdf_pages(response.content)
    pdf_text = " ".join(page[0] for page in pages)
    for _page_text, runs, width, height in pages:
        assert width > height  # landscape
        for run, x, y in runs:
            assert 0 <= x < width - 30 and 0 <= y <= height, (run, x, y, width)  # nothing starts off the page
    # Every column of the HTML table is named in the PDF (the candidates, Exhausted, Residual, Ties).
    for header in headers:
        assert header in pdf_text, header
    # Every figure of every cell, as often as the HTML shows it (votes, changes, exhausted, residual).
    figure = re.compile(r"-?\d+\.\d+|-?\d+")
    wanted = Counter(f for row in rows for cell in row[2:-1] for f in figure.findall(cell))
    # The Ties column: its figures are in the PDF too (the seed, the same for every tie, is said once, above).
    wanted.update({f: 1 for row in rows for f in figure.findall(row[-1]) if f not in wanted})
    found = Counter(figure.findall(pdf_text))
    missing = {f: n - found[f] for f, n in wanted.items() if found[f] < n}
    assert not missing, missing
    # The totals the HTML page states above the table.
    ballots = stv.result["ballots"]
    assert f"{ballots['valid']} valid ballots of {ballots['cast']} cast" in pdf_text
    assert f"Quota {stv.result['quota']}" in pdf_text
    assert "Single transferable vote (Scottish rules), 3 seats" in pdf_text and "scottish-stv" not in pdf_text
    assert f"Elected: {', '.join(stv.result['winners'])}" in pdf_text
    # The certification is not cut from its signature line: both on the last page, with the end.
    last = pages[-1][0]
    assert "I certify that the results above" in last and "Signature of the election officer" in last
    assert "End of document" in last


def test_the_signature_line_stays_with_the_certification(officer, built):
    """Issue 14 §7: the signature line no longer falls alone onto a page of its own."""
    election, _stv, _receipts = counted(officer, built)
    gs.election_certify(actor=officer, reason="sign", election=election)
    pages = pdf_pages(Client().get(f"/governance/elections/{election.pk}/results.pdf").content)
    for column in ("Exhausted", "Residual", "Ties", "A Candidate", "B Candidate", "C Candidate"):
        assert column in pages[0][0]  # the round table of the first contest, whole, on the first page
    (signed,) = [page for page, *_rest in pages if "Signature of the election officer" in page]
    assert "I certify that the results above are the true count" in signed and "End of document" in signed
