"""Verify the audit log's hash chain: ``python manage.py audit_verify`` seals what is pending,
recomputes every record's hash and the chain, and exits non-zero naming the first record that
does not match."""

from django.core.management.base import BaseCommand, CommandError

from agents.audit import audit_chain_seal, audit_chain_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain (exit 1 when a record was changed, removed or inserted)."

    def add_arguments(self, parser):
        parser.add_argument("--no-seal", action="store_true", help="Do not seal pending records first.")

    def handle(self, *args, **options):
        if not options["no_seal"]:
            audit_chain_seal()
        result = audit_chain_verify()
        if not result.ok:
            where = f"record {result.broken_at}" if result.broken_at else "the chain's end"
            raise CommandError(f"Audit chain broken at {where}: {result.problem} ({result.checked} checked).")
        self.stdout.write(f"Audit chain intact: {result.checked} records sealed, {result.unsealed} pending, "
                          f"head {result.head_hash}")
