from allauth.account.adapter import DefaultAccountAdapter

from puente.core.signin_throttle import ThrottledLoginMixin


class InviteOnlyAccountAdapter(ThrottledLoginMixin, DefaultAccountAdapter):
    """Nobody signs up on their own: Coordinators invite Advocates and Defenders."""

    def is_open_for_signup(self, request):
        return False
