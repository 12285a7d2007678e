"""What other apps ask of billing. The cases workflow calls these; billing implements them."""


def case_reporting_settled(case) -> bool:
    """True when the case may leave the *reporting* step: the Defender's report has been
    reviewed (approved) and invoiced to the Advocate.

    Until billing implements it, no case can leave reporting.
    """
    return False
