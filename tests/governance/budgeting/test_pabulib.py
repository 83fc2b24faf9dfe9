"""governance.budgeting.pabulib: reading and writing the Pabulib .pb format. Pure: no database, no Django."""

from __future__ import annotations

from decimal import Decimal

import pytest

from governance.budgeting.pabulib import (
    Limits,
    PabulibError,
    PabulibFile,
    PabulibProject,
    PabulibVoter,
    read_pabulib,
    write_pabulib,
)
from tests.datafiles import PB

PB_FILES = sorted(path.name for path in PB.glob("*.pb"))


def test_the_eight_files_are_there():
    assert len(PB_FILES) == 8


@pytest.mark.parametrize("name", PB_FILES)
def test_every_file_round_trips_and_is_written_back_byte_for_byte(name):
    data = (PB / name).read_bytes()
    pb = read_pabulib(data)
    text = write_pabulib(pb)
    assert read_pabulib(text) == pb
    assert read_pabulib(text).election() == pb.election()
    # The writer quotes as Pabulib does; Łódź's file alone lacks the final line break.
    assert text == data.decode("utf-8").removesuffix("\n") + "\n"


def test_reads_wieliczka():
    pb = read_pabulib((PB / "poland_wieliczka_2023.pb").read_bytes())
    assert (pb.budget, pb.vote_type, pb.rule) == (Decimal(1_000_000), "approval", "equalshares/add1")
    assert (len(pb.projects), len(pb.voters)) == (64, 6586)
    assert pb.limits == Limits(min_length=1)
    assert pb.projects[0] == PabulibProject(
        "24",
        Decimal(5000),
        True,
        (("name", "Zakup 10 fotopułapek przeciwko śmieciarzom i dzikim wysypiskom"), ("votes", "720")),
    )
    assert pb.voters[0] == PabulibVoter("1", ("70", "20", "21", "25", "6"))
    # A quoted name with doubled quotes inside.
    assert pb.projects[-1].id != "81" and next(p for p in pb.projects if p.id == "81").get("name").endswith(
        'w Parku "Stok pod Baranem" - wykonane z ekologicznych recyklingowanych materiałów'
    )
    assert len(pb.official) == 30


def test_reads_cumulative_points_and_limits():
    pb = read_pabulib((PB / "france_toulouse_2019_.pb").read_bytes())
    assert pb.vote_type == "cumulative" and pb.official is None
    assert pb.limits == Limits(max_points=3, max_sum_points=7)
    assert pb.voters[0] == PabulibVoter("0", ("15", "22", "25", "10"), (2, 2, 2, 1))
    election = pb.election()
    assert election.ballots[0].points == (2, 2, 2, 1) and election.voters == 1494


def test_unknown_meta_keys_and_columns_are_kept():
    pb = read_pabulib((PB / "poland_gdynia_2020_chylonia-small.pb").read_bytes())
    assert pb.get("subdistricts") == "True" and pb.get("edition") == "7"
    assert pb.voter_columns == ("voter_id", "age", "sex", "vote")
    assert pb.voters[0].fields == (("age", "27"), ("sex", "M"))
    warsaw = read_pabulib((PB / "poland_warszawa_2019_wierzbno-wygledow.pb").read_bytes())
    assert next(p for p in warsaw.projects if p.id == "679").get("target") == "None"


def test_a_file_built_in_code_is_written_with_its_columns_made_from_the_rows():
    pb = PabulibFile(
        meta=(("budget", "100.50"), ("vote_type", "cumulative"), ("max_sum_points", "3")),
        projects=(PabulibProject("a", Decimal("60.25"), True, (("name", 'The "big"; one'),)),),
        voters=(PabulibVoter("v1", ("a",), (3,), (("age", "40"),)),),
    )
    text = write_pabulib(pb)
    assert text == (
        "META\nkey;value\nbudget;100.50\nvote_type;cumulative\nmax_sum_points;3\n"
        'PROJECTS\nproject_id;cost;name;selected\na;60.25;"The ""big""; one";1\n'
        "VOTES\nvoter_id;vote;points;age\nv1;a;3;40\n"
    )
    back = read_pabulib(text)
    assert back.projects == pb.projects and back.voters == pb.voters and back.budget == Decimal("100.50")


GOOD_HEAD = (
    "META\nkey;value\nbudget;100\nvote_type;approval\nmax_length;2\nPROJECTS\nproject_id;cost\na;60\nb;50\nc;10\n"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("PROJECTS\nproject_id;cost\n", "line 1: expected the META section, found PROJECTS"),
        ("hello\n", "line 1: expected the META section, found 'hello'"),
        ("META\nkey;value\nvote_type;approval\nPROJECTS\n", "line 1: META has no budget"),
        (
            "META\nkey;value\nbudget;1e6\nvote_type;approval\nPROJECTS\n",
            "line 3: budget must be an amount such as 1000 or 1000.50, not '1e6'",
        ),
        (
            "META\nkey;value\nbudget;10\nvote_type;scoring\nPROJECTS\n",
            "line 4: vote_type 'scoring' is not read here: approval, choose-1, cumulative or ordinal",
        ),
        ("META\nkey;value\nbudget;10\nbudget;11\n", "line 4: META: budget is given twice (first on line 3)"),
        (
            "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nid;cost\n",
            "line 6: PROJECTS: the header must have the columns project_id, cost",
        ),
        (
            "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\na;5;x\n",
            "line 7: PROJECTS: 3 fields where the header has 2",
        ),
        (
            "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\na;5,5\n",
            "line 7: the cost of project a must be an amount such as 1000 or 1000.50, not '5,5'",
        ),
        (
            "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\na;5\na;6\n",
            "line 8: project a is listed twice",
        ),
        (
            "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\na;5\n",
            "end of file: no VOTES section",
        ),
        (GOOD_HEAD + "VOTES\nvoter_id;vote\n1;a,d\n", "line 13: voter 1 votes for 'd', which is not in PROJECTS"),
        (GOOD_HEAD + "VOTES\nvoter_id;vote\n1;a,a\n", "line 13: voter 1 names a project twice"),
        (GOOD_HEAD + "VOTES\nvoter_id;vote\n1;a,b,c\n", "line 13: voter 1: max_length is 2, the ballot has 3"),
        (GOOD_HEAD + "VOTES\nvoter_id;vote\n1;a\n1;b\n", "line 14: voter 1 is listed twice"),
        (GOOD_HEAD + 'VOTES\nvoter_id;vote\n1;"a\n', "line 13: unreadable quoting (unexpected end of data)"),
        (GOOD_HEAD + "VOTES\nvoter_id;vote\n1;a\nVOTES\n", "line 14: a second VOTES section"),
        (
            GOOD_HEAD.replace("approval", "cumulative") + "VOTES\nvoter_id;vote;points\n1;a,b;3\n",
            "line 13: voter 1: 2 projects but 1 numbers of points",
        ),
        (
            GOOD_HEAD.replace("approval", "cumulative") + "VOTES\nvoter_id;vote\n1;a\n",
            "line 12: VOTES: the header must have the columns voter_id, vote, points",
        ),
        (
            GOOD_HEAD.replace("approval", "cumulative") + "VOTES\nvoter_id;vote;points\n1;a;x\n",
            "line 13: voter 1's points must be a whole number, not 'x'",
        ),
    ],
)
def test_bad_input_names_the_line_and_the_reason(text, message):
    with pytest.raises(PabulibError) as error:
        read_pabulib(text)
    assert str(error.value) == message


def test_bytes_that_are_not_utf8_are_refused():
    with pytest.raises(PabulibError, match=r"^line 2: the file is not UTF-8 text$"):
        read_pabulib(b"META\n\xff\n")
