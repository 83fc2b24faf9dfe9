import cProfile, pstats, sys, time, io
import pytest
from django.test import Client
sys.path.insert(0, "bench")


@pytest.mark.django_db
def test_prof():
    import ballots_http as b
    setup = b.election_setup(120)
    c = Client()
    def form(v, step):
        d = {"code": v.code, "step": step}
        for rank, pk in enumerate(v.ranking, start=1):
            d[f"c{setup.contest_id}_r{pk}"] = str(rank)
        return d
    for v in setup.voters[:5]:
        assert c.post("/governance/vote/", form(v, "cast")).status_code == 200
    times = {"confirm": [], "cast": []}
    prof = cProfile.Profile()
    for v in setup.voters[5:105]:
        for step in ("confirm", "cast"):
            t = time.process_time()
            if step == "cast": prof.enable()
            r = c.post("/governance/vote/", form(v, step))
            if step == "cast": prof.disable()
            times[step].append(time.process_time() - t)
            assert r.status_code == 200
    import statistics
    print({k: f"{statistics.median(v)*1000:.2f} ms" for k, v in times.items()})
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(45)
    print(s.getvalue())
