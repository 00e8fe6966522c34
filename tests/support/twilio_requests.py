"""Twilio's webhook requests for tests: incoming SMS/MMS and WhatsApp messages of every kind and the
status callbacks of our own messages, as the form parameters Twilio posts (its documented names),
and ``signed`` to post them with a valid X-Twilio-Signature.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from urllib.parse import urlencode

from shared.channels.twilio import SIGNATURE_HEADER, twilio_signature

ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
BUSINESS_NUMBER = "+14155238886"
CUSTOMER_NUMBER = "+15005550006"
VCARD = "text/vcard"


def whatsapp(number: str) -> str:
    return f"whatsapp:{number}"


def _incoming(account: str, contact: str, message_sid: str, body: str, *, on_whatsapp: bool,
              num_media: int = 0, **extra: str) -> dict[str, str]:
    form = {
        "ToCountry": "US", "ToState": "CA", "SmsMessageSid": message_sid, "NumMedia": str(num_media),
        "ToCity": "", "FromZip": "", "SmsSid": message_sid, "FromState": "", "SmsStatus": "received",
        "FromCity": "", "Body": body, "FromCountry": "US", "To": account, "ToZip": "",
        "NumSegments": "1", "MessageSid": message_sid, "AccountSid": ACCOUNT_SID, "From": contact,
        "ApiVersion": "2010-04-01",
    }
    if on_whatsapp:
        for geo in ("ToCountry", "ToState", "ToCity", "FromZip", "FromState", "FromCity", "FromCountry", "ToZip"):
            del form[geo]
        form.update({"To": whatsapp(account), "From": whatsapp(contact), "WaId": contact.lstrip("+"),
                     "ProfileName": "", "ReferralNumMedia": "0", "MessageType": "text"})
    form.update(extra)
    return form


def _media_params(media: Iterable[tuple[str, str]]) -> dict[str, str]:
    params: dict[str, str] = {}
    for index, (url, content_type) in enumerate(media):
        params[f"MediaContentType{index}"] = content_type
        params[f"MediaUrl{index}"] = url
    return params


# -- SMS / MMS -----------------------------------------------------------------------------------


def sms(account: str, contact: str, message_sid: str, body: str) -> dict[str, str]:
    return _incoming(account, contact, message_sid, body, on_whatsapp=False)


def mms(account: str, contact: str, message_sid: str, media: list[tuple[str, str]], body: str = ""
        ) -> dict[str, str]:
    return _incoming(account, contact, message_sid, body, on_whatsapp=False, num_media=len(media),
                     **_media_params(media))


# -- WhatsApp ------------------------------------------------------------------------------------


def whatsapp_text(account: str, contact: str, message_sid: str, body: str, profile_name: str = "",
                  **extra: str) -> dict[str, str]:
    return _incoming(account, contact, message_sid, body, on_whatsapp=True, ProfileName=profile_name, **extra)


def whatsapp_media(account: str, contact: str, message_sid: str, media: list[tuple[str, str]], body: str = "",
                   message_type: str = "image", profile_name: str = "") -> dict[str, str]:
    return _incoming(account, contact, message_sid, body, on_whatsapp=True, num_media=len(media),
                     MessageType=message_type, ProfileName=profile_name, **_media_params(media))


def whatsapp_location(account: str, contact: str, message_sid: str, latitude: float, longitude: float,
                      address: str = "", label: str = "") -> dict[str, str]:
    extra = {"Latitude": str(latitude), "Longitude": str(longitude)}
    if address:
        extra["Address"] = address
    if label:
        extra["Label"] = label
    return _incoming(account, contact, message_sid, "", on_whatsapp=True, MessageType="location", **extra)


def whatsapp_button_reply(account: str, contact: str, message_sid: str, payload: str, text: str,
                          replied_sid: str = "") -> dict[str, str]:
    """A tap on a quick-reply button: ButtonPayload is the id we sent, ButtonText and Body its label."""
    extra = {"ButtonPayload": payload, "ButtonText": text}
    if replied_sid:
        extra.update(OriginalRepliedMessageSender=whatsapp(account), OriginalRepliedMessageSid=replied_sid)
    return _incoming(account, contact, message_sid, text, on_whatsapp=True, MessageType="interactive", **extra)


def whatsapp_list_reply(account: str, contact: str, message_sid: str, list_id: str, title: str
                        ) -> dict[str, str]:
    return _incoming(account, contact, message_sid, title, on_whatsapp=True, MessageType="interactive",
                     ListId=list_id, ListTitle=title)


def whatsapp_contacts(account: str, contact: str, message_sid: str, vcard_url: str) -> dict[str, str]:
    return whatsapp_media(account, contact, message_sid, [(vcard_url, VCARD)], message_type="contacts")


def whatsapp_reply(account: str, contact: str, message_sid: str, body: str, replied_sid: str) -> dict[str, str]:
    return whatsapp_text(account, contact, message_sid, body, OriginalRepliedMessageSender=whatsapp(account),
                         OriginalRepliedMessageSid=replied_sid)


def whatsapp_referral(account: str, contact: str, message_sid: str, body: str, source_id: str,
                      source_url: str = "https://fb.me/example-ad", headline: str = "Chat with us",
                      ctwa_clid: str = "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-"
                      ) -> dict[str, str]:
    return whatsapp_text(account, contact, message_sid, body, ReferralSourceId=source_id,
                         ReferralSourceType="ad", ReferralSourceUrl=source_url, ReferralHeadline=headline,
                         ReferralBody="Our best offer", ReferralCtwaClid=ctwa_clid)


def whatsapp_of_type(account: str, contact: str, message_sid: str, message_type: str, body: str = ""
                     ) -> dict[str, str]:
    """A WhatsApp message of a MessageType the parser does not know (or Twilio marks unsupported)."""
    return _incoming(account, contact, message_sid, body, on_whatsapp=True, MessageType=message_type)


# -- status callbacks ----------------------------------------------------------------------------


def status_callback(account: str, contact: str, message_sid: str, status: str, *, on_whatsapp: bool = False,
                    error_code: str = "", error_message: str = "") -> dict[str, str]:
    """Twilio's StatusCallback request for a message we sent from ``account`` to ``contact``."""
    form = {
        "SmsSid": message_sid, "SmsStatus": status, "MessageStatus": status,
        "To": whatsapp(contact) if on_whatsapp else contact, "MessageSid": message_sid,
        "AccountSid": ACCOUNT_SID, "From": whatsapp(account) if on_whatsapp else account,
        "ApiVersion": "2010-04-01",
    }
    if on_whatsapp:
        form.update(ChannelPrefix="whatsapp", ChannelInstallSid="XE0123456789abcdef0123456789abcdef",
                    ChannelToAddress=contact, EventType=status.upper())
    if error_code:
        form["ErrorCode"] = error_code
    if error_message:
        form["ErrorMessage"] = error_message
    return form


# -- signing -------------------------------------------------------------------------------------


def signed(url: str, form: Mapping[str, str] | list[tuple[str, str]], auth_token: str
           ) -> tuple[bytes, dict[str, str]]:
    """The form-encoded body Twilio would post to ``url`` and its headers, signature included."""
    pairs = list(form.items()) if isinstance(form, Mapping) else list(form)
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               SIGNATURE_HEADER: twilio_signature(url, pairs, auth_token),
               "I-Twilio-Idempotency-Token": str(uuid.uuid4())}
    return urlencode(pairs).encode(), headers
