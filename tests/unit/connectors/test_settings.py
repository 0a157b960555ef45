"""Connector configuration: defaults, the forms values arrive in, clear refusals."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.settings import ConferenceSettings, MailSettings

ZOOM = {"CONFERENCE_PLATFORMS": "jitsi,zoom", "SECRET_KEY": "k", "ZOOM_ACCOUNT_ID": "acct",
        "ZOOM_CLIENT_ID": "cid", "ZOOM_CLIENT_SECRET": "zoom-client-secret",
        "ZOOM_HOSTS": " a@kota.go.id, b@kota.go.id ,a@kota.go.id"}
BBB = {"CONFERENCE_PLATFORMS": ["bigbluebutton"], "BBB_SECRET": "bbb-secret",
       "BBB_URL": "https://bbb.kota.go.id/bigbluebutton/api/"}
SMTP = {"SMTP_HOST": "smtp.kota.go.id", "MAIL_FROM": "vicon@kota.go.id"}


def test_defaults_offer_jitsi_on_meet_jit_si() -> None:
    settings = ConferenceSettings.from_config({"SECRET_KEY": "k"})

    assert (settings.platforms, settings.default) == (("jitsi",), "jitsi")
    assert (settings.jitsi.domain, settings.jitsi.secret) == ("meet.jit.si", None)
    assert settings.timeout == 10.0 and settings.room_secret == b"k"
    assert settings.zoom is None and settings.bbb is None


def test_room_secret_prefers_room_secret_and_accepts_bytes() -> None:
    assert ConferenceSettings.from_config(
        {"SECRET_KEY": "k", "ROOM_SECRET": "r"}).room_secret == b"r"
    assert ConferenceSettings.from_config({"SECRET_KEY": b"\x00raw"}).room_secret == b"\x00raw"
    with pytest.raises(ValueError, match="ROOM_SECRET"):
        ConferenceSettings.from_config({})


def test_zoom_settings_with_default_urls_and_a_clean_host_list() -> None:
    settings = ConferenceSettings.from_config(ZOOM)

    assert settings.platforms == ("jitsi", "zoom") and settings.default == "jitsi"
    assert settings.zoom is not None
    assert settings.zoom.hosts == ("a@kota.go.id", "b@kota.go.id")
    assert settings.zoom.oauth_url == "https://zoom.us/oauth/token"
    assert settings.zoom.api_url == "https://api.zoom.us/v2"
    assert "zoom-client-secret" not in repr(settings)


def test_json_decoded_environment_values_are_accepted() -> None:
    # Flask's from_prefixed_env turns ALUR_ZOOM_ACCOUNT_ID=12345 into an int.
    settings = ConferenceSettings.from_config({**ZOOM, "ZOOM_ACCOUNT_ID": 12345,
                                               "HTTP_TIMEOUT": 3,
                                               "CONFERENCE_PLATFORMS": ["Zoom", "JITSI"]})
    assert settings.zoom is not None and settings.zoom.account_id == "12345"
    assert settings.timeout == 3.0 and settings.platforms == ("zoom", "jitsi")


def test_the_default_is_the_first_offered_when_jitsi_is_not() -> None:
    assert ConferenceSettings.from_config(BBB).default == "bigbluebutton"


def test_bbb_settings() -> None:
    settings = ConferenceSettings.from_config({**BBB, "BBB_CHECKSUM": "SHA1"})
    assert settings.bbb is not None
    assert settings.bbb.url == "https://bbb.kota.go.id/bigbluebutton/api"
    assert settings.bbb.checksum == "sha1"
    assert "bbb-secret" not in repr(settings)


@pytest.mark.parametrize("config, message", [
    ({"CONFERENCE_PLATFORMS": "jitsi,webex"}, "unknown platform.*webex"),
    ({"CONFERENCE_PLATFORMS": " , "}, "at least one platform"),
    ({"CONFERENCE_PLATFORMS": 3}, "comma-separated"),
    ({"CONFERENCE_DEFAULT": "zoom"}, "CONFERENCE_DEFAULT 'zoom' is not one of"),
    ({"HTTP_TIMEOUT": "sepuluh"}, "HTTP_TIMEOUT must be a number"),
    ({"HTTP_TIMEOUT": 0}, "more than 0"),
    ({"JITSI_DOMAIN": "https://meet.kota.go.id"}, "JITSI_DOMAIN is a host name"),
    ({"JITSI_SECRET": "x" * 40}, "JITSI_APP_ID is required"),
    ({"JITSI_APP_ID": "alur", "JITSI_SECRET": "short"}, "at least 32 bytes"),
    ({**ZOOM, "ZOOM_HOSTS": ""}, "ZOOM_HOSTS .* is required"),
    ({**ZOOM, "ZOOM_CLIENT_SECRET": None}, "ZOOM_CLIENT_SECRET is required"),
    ({**ZOOM, "ZOOM_API_URL": "api.zoom.us/v2"}, "ZOOM_API_URL must be an http"),
    ({**BBB, "BBB_URL": "https://bbb.kota.go.id/api"}, "must end in /bigbluebutton/api"),
    ({**BBB, "BBB_URL": None}, "BBB_URL is required"),
    ({**BBB, "BBB_CHECKSUM": "md5"}, "sha256 or sha1"),
])
def test_malformed_conference_settings_are_refused(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ConferenceSettings.from_config({"SECRET_KEY": "k", **config})


def test_mail_defaults() -> None:
    settings = MailSettings.from_config(SMTP)
    assert (settings.host, settings.port, settings.starttls) == ("smtp.kota.go.id", 587, True)
    assert (settings.user, settings.password, settings.timeout) == (None, None, 10.0)


@pytest.mark.parametrize("value, expected", [
    ("false", False), ("0", False), ("no", False), (False, False), ("TRUE", True), ("", True),
])
def test_starttls_accepts_bool_like_values(value: Any, expected: bool) -> None:
    assert MailSettings.from_config({**SMTP, "SMTP_STARTTLS": value}).starttls is expected


def test_mail_password_stays_out_of_repr() -> None:
    settings = MailSettings.from_config({**SMTP, "SMTP_PORT": "465", "SMTP_USER": "alur",
                                         "SMTP_PASSWORD": "rahasia"})
    assert settings.port == 465 and "rahasia" not in repr(settings)


@pytest.mark.parametrize("config, message", [
    ({"SMTP_HOST": None}, "SMTP_HOST is required"),
    ({"MAIL_FROM": None}, "MAIL_FROM must be an e-mail"),
    ({"SMTP_PORT": "smtp"}, "SMTP_PORT must be a whole number"),
    ({"SMTP_PORT": 70000}, "between 1 and 65535"),
    ({"SMTP_STARTTLS": "mungkin"}, "SMTP_STARTTLS must be true or false"),
    ({"SMTP_USER": "alur"}, "SMTP_USER and SMTP_PASSWORD must be set together"),
])
def test_malformed_mail_settings_are_refused(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MailSettings.from_config({**SMTP, **config})
