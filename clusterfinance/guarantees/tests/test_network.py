"""The guarantee network: circles on hand-built networks, the contagion rounds on a known
example, the command."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from clusterfinance.guarantees.network import Guarantee, build_graph, chains, circles, closes_circle, contagion

D = Decimal


def graph(*edges):
    return build_graph(Guarantee(g, b, D(a)) for g, b, a in edges)


def test_a_two_cycle_is_a_circle():
    found = circles(graph(("A", "B", "100"), ("B", "A", "50")), {"A": D("1000"), "B": D("500")})
    assert [c.members for c in found] == [["A", "B"]]
    assert found[0].exposure == D("150") and found[0].capacity == D("1500")
    assert found[0].exposure_ratio == D("0.1000")


def test_a_five_chain_is_a_chain_until_it_closes_into_a_cycle():
    edges = [("A", "B", "10"), ("B", "C", "10"), ("C", "D", "10"), ("D", "E", "10")]
    g = graph(*edges)
    assert circles(g) == []
    assert [c["members"] for c in chains(g)] == [["A", "B", "C", "D", "E"]]
    assert chains(g)[0]["longest"] == 5
    assert closes_circle(g, "E", "A") and not closes_circle(g, "A", "E")
    closed = graph(*edges, ("E", "A", "10"))
    assert [c.members for c in circles(closed)] == [["A", "B", "C", "D", "E"]]
    assert circles(closed)[0].exposure == D("50")
    assert chains(closed) == []  # one circle, not a chain


def test_two_circles_sharing_a_firm_are_one_strongly_connected_group():
    g = graph(("A", "B", "1"), ("B", "A", "1"), ("B", "C", "1"), ("C", "B", "1"), ("X", "Y", "5"), ("Y", "X", "5"))
    assert [c.members for c in circles(g)] == [["X", "Y"], ["A", "B", "C"]]  # by exposure: 10 before 4


def test_the_contagion_rounds_of_a_known_example():
    # A defaults. B and C guaranteed A (80 and 30). B can carry 50 → defaults in round 1;
    # C can carry 100 → survives. D guaranteed B for 60 with capacity 40 → round 2. E guaranteed
    # D for 10 with capacity 100 → survives. Total called 80 + 30 + 60 + 10.
    g = graph(("B", "A", "80"), ("C", "A", "30"), ("D", "B", "60"), ("E", "D", "10"))
    caps = {"A": D("0"), "B": D("50"), "C": D("100"), "D": D("40"), "E": D("100")}
    result = contagion(g, caps, ["A"])
    assert [r.defaults for r in result.rounds] == [["A"], ["B"], ["D"]]
    assert result.rounds[0].calls == {"B": D("80"), "C": D("30")}
    assert result.rounds[1].calls == {"D": D("60")}
    assert result.total_called == D("180")
    assert result.uncovered == D("140")  # B's 80 and D's 60 fall on firms that failed


def test_calls_add_up_across_rounds():
    # C guaranteed both A (30) and B (30), can carry 50: A alone does not break C; when B falls
    # in the next round C's calls reach 60 > 50 and C defaults too.
    g = graph(("C", "A", "30"), ("B", "A", "40"), ("C", "B", "30"))
    result = contagion(g, {"A": D(0), "B": D("10"), "C": D("50")}, ["A"])
    assert [r.defaults for r in result.rounds] == [["A"], ["B"], ["C"]]


def test_the_command_prints_circles_and_rounds(tmp_path, capsys):
    edges = tmp_path / "edges.csv"
    edges.write_text("guarantor,borrower,amount\nB,A,80\nC,A,30\nD,B,60\nA,B,5\n", encoding="utf-8-sig")
    firms = tmp_path / "firms.csv"
    firms.write_text("firm,capacity\nA,0\nB,50\nC,100\nD,40\n", encoding="gbk")
    call_command("guarantee_network", "--edges", str(edges), "--firms", str(firms), "--default", "A")
    out = json.loads(capsys.readouterr().out)
    assert out["circles"] == [{"members": ["A", "B"], "exposure": "85.00", "capacity": "50.00",
                               "exposure_ratio": "1.7000"}]
    assert [r["defaults"] for r in out["stress_test"]["rounds"]] == [["A"], ["B"], ["D"]]
    assert out["stress_test"]["total_called"] == "175.00"


def test_the_command_refuses_bad_files_clearly(tmp_path):
    edges = tmp_path / "edges.csv"
    edges.write_text("guarantor,borrower,amount\nB,A,abc\n", encoding="utf-8")
    firms = tmp_path / "firms.csv"
    firms.write_text("firm,capacity\nA,0\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 2"):
        call_command("guarantee_network", "--edges", str(edges), "--firms", str(firms))
    with pytest.raises(CommandError, match="not in"):
        edges.write_text("guarantor,borrower,amount\nB,A,1\n", encoding="utf-8")
        call_command("guarantee_network", "--edges", str(edges), "--firms", str(firms), "--default", "Z")
    with pytest.raises(CommandError, match="header"):
        firms.write_text("name,cap\nA,0\n", encoding="utf-8")
        call_command("guarantee_network", "--edges", str(edges), "--firms", str(firms))
