"""``stancedesk role``, ``link`` and ``name-source``: what the desk's attribution keys do."""

from __future__ import annotations

import argparse

from stancedesk.cli.common import database
from stancedesk.domain.attribution import LinkKind, SpanRole
from stancedesk.services import attribution as attr

NONE = "none"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    role = sub.add_parser("role", help="mark a span as source, claim or cue (or none)")
    role.add_argument("span", metavar="SPAN_ID", help="an annotation_id")
    role.add_argument("role", choices=[*(r.value for r in SpanRole), NONE])
    role.set_defaults(func=_role)

    link = sub.add_parser(
        "link", help="link a claim to its source or cue, or a source to an intermediary",
        description="attributed_to: claim -> source; via: source -> the source that relays it; "
                    "cue: claim -> its cue. 'none' removes the link. Both spans must be the "
                    "same annotator's, in the same document.")
    link.add_argument("source_span", metavar="FROM_ID")
    link.add_argument("kind", choices=[k.value for k in LinkKind])
    link.add_argument("target_span", metavar="TO_ID|none")
    link.set_defaults(func=_link)

    name = sub.add_parser("name-source", help="let a source span name a registry source")
    name.add_argument("span", metavar="SPAN_ID")
    name.add_argument("entity", metavar="SOURCE|none", help="its id, name or an alias")
    name.set_defaults(func=_name)


def _role(args: argparse.Namespace) -> int:
    role = None if args.role == NONE else SpanRole(args.role)
    change = attr.set_role(database(args), args.span, role)
    assert change.after is not None
    print(f"{change.after.text!r} is now {change.after.role or 'a span without a role'}")
    return 0


def _link(args: argparse.Namespace) -> int:
    target = None if args.target_span == NONE else args.target_span
    change = attr.link(database(args), args.source_span, LinkKind(args.kind), target)
    if change.after is None:
        print(f"removed the {args.kind} link of {args.source_span}"
              if change.before else f"{args.source_span} had no {args.kind} link")
    else:
        print(f"linked {change.after.from_span} --{change.after.kind}--> {change.after.to_span}")
    return 0


def _name(args: argparse.Namespace) -> int:
    entity = None if args.entity == NONE else args.entity
    attr.name_source(database(args), args.span, entity)
    print(f"{args.span} names {entity}" if entity else f"{args.span} names no source")
    return 0
