"""stub"""

from ledger.importers.batch import Batch


def parse(file: str, data: object, entity: object = None) -> Batch:
    raise NotImplementedError
