from allauth.account.adapter import DefaultAccountAdapter


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    """Nobody signs up on their own: Coordinators invite Advocates and Defenders."""

    def is_open_for_signup(self, request):
        return False
