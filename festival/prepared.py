"""Queries of a fixed shape, turned into SQL once per process instead of on every request.

Building a queryset (filters, select_related, annotations with subqueries) and compiling it to SQL is pure
Python that gives the same SQL each time: on the busiest pages it costs more than PostgreSQL takes to answer.
A `Prepared` query is built and compiled on its first use with a stand-in value for each of its parameters;
every call then sends the same SQL with the real values in their places, and Django turns the rows into
models (select_related objects and annotations included) or values exactly as the queryset would have.

    own = Prepared(lambda pk, juror: Assignment.objects.select_related("panel").filter(pk=pk, juror=juror),
                   pk=int, juror=int)
    own.get(pk=7, juror=request.user.pk)

The builder gets a stand-in for each parameter, so it must pass them to plain equality lookups (`pk=…`,
`juror=…`, `__in` is not one) and must not branch on them; anything else it uses is part of the shape and is
fixed at the first call. Ints, strings and UUIDs are parameters, and lists of ints (`list`) given to the `__any`
lookup, which sends the whole list as one array — `entry_id = ANY(%s)` — so that the SQL is the same whatever
the list's length (`__in` writes one placeholder per value). A parameter that never reaches the SQL, or
reaches it changed (`__icontains` wraps it in %), is refused on the first call.

    rows = Prepared(lambda entries: Film.objects.filter(entry_id__any=entries), entries=list)
    rows.all(entries=[3, 5, 8])

`page(offset, limit, …)` reads one page of the rows: LIMIT and OFFSET are parameters too (a sliced queryset
writes them into the SQL).
"""

import threading
import uuid

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, ForeignObject, Lookup
from django.db.transaction import TransactionManagementError

# Stand-ins: values no real key or text has (ints within PostgreSQL's integer, so that every lookup takes them).
_INT_BASE = 2_047_483_000
_TEXT = "\x1fprepared:{}\x1f"
_TYPES = (int, str, uuid.UUID, list)


class AnyOf(Lookup):
    """`field__any=[…]`: the field equals one of the list's values, the list sent as one array parameter."""

    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


# A foreign key takes only the lookups registered on the relations' own classes.
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)


def _standin(kind, name, index):
    if kind is int:
        return _INT_BASE + index
    if kind is str:
        return _TEXT.format(name)
    if kind is uuid.UUID:
        return uuid.UUID(int=_INT_BASE + index)
    return [_INT_BASE + index]


def _shallow(obj):
    """A copy sharing obj's attributes (copy.copy would evaluate a QuerySet)."""
    clone = object.__new__(type(obj))
    clone.__dict__ = obj.__dict__.copy()
    return clone


class Prepared:
    """`build(**parameters)` gives the queryset; `parameters` name each parameter and its type: int, str,
    uuid.UUID or list (of ints, for `__any`)."""

    def __init__(self, build, **parameters):
        if not parameters or any(kind not in _TYPES for kind in parameters.values()):
            raise TypeError("Name each parameter with its type: int, str, uuid.UUID or list.")
        self.build = build
        self.parameters = parameters
        self._compiled = {}
        self._lock = threading.Lock()

    def _compile(self, using):
        compiled = self._compiled.get(using)
        if compiled is not None:
            return compiled
        standins = {name: _standin(kind, name, index) for index, (name, kind) in enumerate(self.parameters.items())}
        base = self.build(**standins)
        compiler = base.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = []
        for position, param in enumerate(params):
            for name, standin in standins.items():
                if type(param) is type(standin) and param == standin:
                    slots.append((position, name))
                elif isinstance(param, str) and isinstance(standin, str) and standin in param:
                    raise ValueError(f"Parameter {name!r} reaches the SQL changed: only plain equality is prepared.")
        missing = set(standins) - {name for _position, name in slots}
        if missing:
            raise ValueError(f"Parameters {sorted(missing)} do not reach the SQL as they are.")
        compiled = (base, compiler, sql, tuple(params), tuple(slots))
        with self._lock:
            self._compiled[using] = compiled
        return compiled

    def queryset(self, using=DEFAULT_DB_ALIAS, **values):
        """A queryset that runs the prepared SQL with `values` when it is evaluated: iterate it or list() it
        (filter() and the like on it would be ignored)."""
        return self._queryset(using, values)

    def page(self, offset, limit, using=DEFAULT_DB_ALIAS, **values):
        """The rows from `offset` on, `limit` of them at most, as a list: what queryset[offset:offset + limit]
        gives (the builder's queryset must be ordered, as for any page of rows)."""
        if type(offset) is not int or type(limit) is not int or offset < 0 or limit < 0:
            raise TypeError("offset and limit must be ints, 0 or more.")
        return list(self._queryset(using, values, limits=(limit, offset)))

    def _queryset(self, using, values, limits=None):
        if values.keys() != self.parameters.keys():
            raise TypeError(f"Give exactly {sorted(self.parameters)}.")
        for name, value in values.items():
            kind = self.parameters[name]
            if type(value) is not kind or (kind is list and any(type(item) is not int for item in value)):
                raise TypeError(f"Parameter {name!r} must be {kind.__name__}, not {value!r}.")
        base, template, sql, params, slots = self._compile(using)
        params = list(params)
        for position, name in slots:
            params[position] = values[name]
        if limits is not None:
            sql = f"{sql} LIMIT %s OFFSET %s"
            params.extend(limits)
        connection = connections[using]
        if base.query.select_for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        # Each evaluation gets a compiler of its own, on this thread's connection, that gives the prepared SQL.
        compiler = _shallow(template)
        compiler.connection = connection
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        query = _shallow(base.query)
        query.get_compiler = lambda *args, **kwargs: compiler
        queryset = _shallow(base)
        # Not through the `query` setter, which would make a values_list() give dicts.
        queryset._query = query
        return queryset

    def all(self, using=DEFAULT_DB_ALIAS, **values):
        return list(self.queryset(using, **values))

    def get(self, using=DEFAULT_DB_ALIAS, **values):
        """The one row: the model's DoesNotExist when there is none, MultipleObjectsReturned when more."""
        rows = self.all(using, **values)
        model = self._compiled[using][0].model
        if not rows:
            raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
        if len(rows) > 1:
            raise model.MultipleObjectsReturned(f"get() returned more than one {model._meta.object_name}.")
        return rows[0]


def prefetched(instance, name, rows):
    """Keep `rows` as what `instance.<name>.all()` gives, as prefetch_related would have kept them: for a
    relation read by a prepared query of its own (`name`: a reverse foreign key or a many-to-many field).
    Anything built on the relation (a filter, a count of another kind) still queries, as after a prefetch."""
    manager = getattr(instance, name)
    # The manager's own queryset (its filter on the instance is deferred until it is needed), holding the rows.
    queryset = manager.get_queryset()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    if hasattr(manager, "prefetch_cache_name"):  # many-to-many
        cache_name = manager.prefetch_cache_name
    else:  # reverse foreign key: each row knows its instance, as after a prefetch
        cache_name = manager.field.remote_field.cache_name
        for row in queryset._result_cache:
            manager.field.set_cached_value(row, instance)
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[cache_name] = queryset
    return instance
