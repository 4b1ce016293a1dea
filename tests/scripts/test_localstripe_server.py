"""scripts/localstripe_server.py: localstripe's lists read an index by kind, and say what a scan of its store says."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import localstripe_server  # noqa: E402,F401  (patches localstripe's store and lists)
from localstripe.resources import Customer, PaymentMethod, Refund, store  # noqa: E402


def _scan(kind):
    # What localstripe's own _api_list_all lists: every value whose key is of that kind, in store order.
    return [value for key, value in store.items() if key.startswith(kind + ":")]


def _listed(cls):
    return cls._api_list_all("/v1/" + cls.object + "s")._list


def test_lists_follow_every_write_delete_and_flush_of_the_store():
    store.clear()
    customers = [Customer(name="Index %d" % i) for i in range(5)]
    card = PaymentMethod(
        type="card", card={"number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}
    )
    PaymentMethod._api_attach(card.id, customer=customers[0].id)
    assert _listed(Customer) == _scan("customer") == customers
    listed_cards = PaymentMethod._api_list_all("/v1/payment_methods", customer=customers[0].id, type="card")._list
    assert listed_cards == _scan("payment_method") == [card]

    Customer._api_delete(customers[2].id)
    assert _listed(Customer) == _scan("customer") == customers[:2] + customers[3:]
    Customer._api_update(customers[1].id, name="Renamed")  # an update keeps its place
    assert [c.name for c in _listed(Customer)] == ["Index 0", "Renamed", "Index 3", "Index 4"]

    store.clear()  # DELETE /_config/data
    assert _listed(Customer) == [] and _listed(Refund) == []


def test_a_state_file_is_indexed_when_loaded(tmp_path):
    store.clear()
    kept = [Customer(name="Kept %d" % i) for i in range(3)]
    localstripe_server._state_file = tmp_path / "state.pickle"
    try:
        store.dump_to_disk()
        store.clear()
        store.try_load_from_disk()
    finally:
        localstripe_server._state_file = None
    assert [c.id for c in _listed(Customer)] == [c.id for c in kept] == [c.id for c in _scan("customer")]
    store.clear()


def test_a_list_reads_its_kind_without_scanning_the_store(monkeypatch):
    """localstripe scanned every key of its store per list, and a charge's answer lists its refunds a
    dozen times: a renewal day's charges slowed down as the fake filled up."""
    store.clear()
    for i in range(50):
        Customer(name="Many %d" % i)
    scans = []
    original = type(store).items
    monkeypatch.setattr(type(store), "items", lambda self: scans.append(1) or original(self))
    assert len(_listed(Customer)) == 50
    assert _listed(Refund) == []
    assert scans == []
    store.clear()
