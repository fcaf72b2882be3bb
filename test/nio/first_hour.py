#!/usr/bin/env python3
"""A member's first hour with Hearth, driven through matrix-nio with olm: a
Matrix client that shares no code with Hearth (Debian's python3-matrix-nio and
python3-olm, in the testbed's root filesystem).

Reads a job as JSON on standard input:
  {"homeserver": "http://127.0.0.1:18008", "bot": "@hearth:camp.test",
   "bugle": "@hearth_bugle:camp.test",
   "alice": {"user_id": ..., "password": ...}, "bob": {...},
   "expect_rooms": ["Camp", "Local timeline"], "room_name": "Knitting circle",
   "broadcast": "text"}
and prints what each step saw as one JSON object on standard output. A step
that does not happen in time stops the run with exit status 1 and says which.
"""
import asyncio
import json
import re
import sys
import tempfile
import time

from nio import (
    AsyncClient,
    AsyncClientConfig,
    JoinResponse,
    LoginResponse,
    MegolmEvent,
    RoomCreateResponse,
    RoomMemberEvent,
    RoomMessageNotice,
    RoomMessageText,
    RoomPreset,
    RoomSendResponse,
    SyncResponse,
)

ENCRYPTED = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
WAIT_SECONDS = 90


class Failure(Exception):
    pass


class Person:
    """One member's client: its own device, keys and store."""

    def __init__(self, homeserver, user_id, password):
        self.user_id = user_id
        self.password = password
        self.client = AsyncClient(
            homeserver,
            user_id,
            store_path=tempfile.mkdtemp(prefix="nio-"),
            config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True),
        )
        # Every timeline event seen so far, by room: waits look back, not only forward.
        self.timeline = {}
        self.undecryptable = []

    async def log_in(self):
        response = await self.client.login(self.password, device_name="first hour (matrix-nio)")
        if not isinstance(response, LoginResponse):
            raise Failure(f"{self.user_id} could not log in: {response}")
        if self.client.should_upload_keys:
            await self.client.keys_upload()

    async def step(self):
        """One sync, then the key work a client does between syncs."""
        response = await self.client.sync(timeout=500, full_state=self.client.next_batch is None)
        if not isinstance(response, SyncResponse):
            raise Failure(f"{self.user_id}'s sync failed: {response}")
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        if self.client.should_query_keys:
            await self.client.keys_query()
        if self.client.should_claim_keys:
            await self.client.keys_claim(self.client.get_users_for_key_claiming())
        await self.client.send_to_device_messages()
        for room_id, room in response.rooms.join.items():
            for event in room.timeline.events:
                self.timeline.setdefault(room_id, []).append(event)
                if isinstance(event, MegolmEvent):
                    self.undecryptable.append({"room_id": room_id, "event_id": event.event_id})

    async def wait_for(self, what, probe, others=()):
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            await self.step()
            # The other members' clients keep syncing too, as open clients do.
            for other in others:
                await other.step()
            found = probe()
            if found:
                return found
        raise Failure(f"{self.user_id} timed out waiting for {what}")

    def messages_from(self, room_id, sender):
        return [e for e in self.timeline.get(room_id, [])
                if isinstance(e, (RoomMessageText, RoomMessageNotice)) and e.sender == sender]

    def has_joined(self, room_id, user_id):
        return any(isinstance(e, RoomMemberEvent) and e.state_key == user_id and e.membership == "join"
                   for e in self.timeline.get(room_id, []))

    async def send(self, room_id, body):
        response = await self.client.room_send(
            room_id, "m.room.message", {"msgtype": "m.text", "body": body}, ignore_unverified_devices=True)
        if not isinstance(response, RoomSendResponse):
            raise Failure(f"{self.user_id} could not send {body!r}: {response}")
        return response.event_id

    async def ask(self, room_id, bot, command, pattern, others=()):
        """Sends a command and waits for the bot's decrypted answer that matches."""
        before = len(self.messages_from(room_id, bot))
        await self.send(room_id, command)
        answer = await self.wait_for(
            f"{bot}'s answer to {command!r}",
            lambda: next((e for e in self.messages_from(room_id, bot)[before:] if re.search(pattern, e.body)), None),
            others,
        )
        return {"body": answer.body, "decrypted": bool(answer.decrypted)}

    async def open_encrypted_dm(self, bot, others=()):
        response = await self.client.room_create(
            is_direct=True, invite=[bot], preset=RoomPreset.trusted_private_chat, initial_state=[ENCRYPTED])
        if not isinstance(response, RoomCreateResponse):
            raise Failure(f"{self.user_id} could not open a DM with {bot}: {response}")
        await self.wait_for(f"{bot} to join the DM", lambda: self.has_joined(response.room_id, bot), others)
        return response.room_id

    async def accept_invitations_from(self, bot, names):
        """Accepts every invitation from the bot until rooms with all these names are joined."""
        joined = {}

        async def accept_all():
            for room_id, room in list(self.client.invited_rooms.items()):
                if room.inviter != bot or room_id in joined:
                    continue
                response = await self.client.join(room_id)
                if not isinstance(response, JoinResponse):
                    raise Failure(f"{self.user_id} could not accept the invitation to {room_id}: {response}")
                joined[room_id] = room.name or room.display_name
            return all(name in joined.values() for name in names)

        deadline = time.monotonic() + WAIT_SECONDS
        while not await accept_all():
            if time.monotonic() > deadline:
                raise Failure(f"{self.user_id} timed out waiting for invitations to {names}; accepted {sorted(joined.values())}")
            await self.step()
        return sorted(joined.values())

    async def close(self):
        await self.client.close()


async def first_hour(job):
    report = {}
    alice = Person(job["homeserver"], job["alice"]["user_id"], job["alice"]["password"])
    bob = Person(job["homeserver"], job["bob"]["user_id"], job["bob"]["password"])
    bot, bugle = job["bot"], job["bugle"]
    try:
        await alice.log_in()
        await bob.log_in()

        # 1. The invitations Hearth sent to a new member.
        report["joined_rooms"] = await alice.accept_invitations_from(bot, job["expect_rooms"])

        # 2. An encrypted DM with the bot: its greeting, then !help.
        dm = await alice.open_encrypted_dm(bot)
        greeting = await alice.wait_for("the bot's greeting", lambda: next(iter(alice.messages_from(dm, bot)), None))
        report["greeting"] = {"body": greeting.body, "decrypted": bool(greeting.decrypted)}
        report["help"] = await alice.ask(dm, bot, "!help", r"^Commands:")

        # 3. A topic room, named as a member would type it.
        created = await alice.ask(dm, bot, f"!room create {job['room_name']}", r"^Created ")
        report["room_create"] = created
        match = re.search(r"matrix\.to/#/([^?\s]+)", created["body"])
        if not match:
            raise Failure(f"the answer to !room create has no room link: {created['body']}")
        report["topic_room_joined"] = await alice.accept_invitations_from(bot, [job["room_name"]])

        # 4. A broadcast: bob has his own encrypted chat with the Bugle, where it arrives.
        bobs_bugle_dm = await bob.open_encrypted_dm(bugle, others=[alice])
        alices_bugle_dm = await alice.open_encrypted_dm(bugle, others=[bob])
        report["bugle_draft"] = await alice.ask(alices_bugle_dm, bugle, f"!bugle {job['broadcast']}", r"^This will go to", [bob])
        report["bugle_send"] = await alice.ask(alices_bugle_dm, bugle, "!bugle send", r"^Sending to", [bob])
        received = await bob.wait_for(
            "the broadcast",
            lambda: next((e for e in bob.messages_from(bobs_bugle_dm, bugle) if job["broadcast"] in e.body), None),
            [alice],
        )
        report["broadcast_received"] = {
            "body": received.body,
            "formatted_body": received.formatted_body,
            "decrypted": bool(received.decrypted),
        }
        report["undecryptable"] = alice.undecryptable + bob.undecryptable
        return report
    finally:
        await alice.close()
        await bob.close()


def main():
    job = json.load(sys.stdin)
    try:
        report = asyncio.run(first_hour(job))
    except Failure as failure:
        print(f"first_hour: {failure}", file=sys.stderr)
        sys.exit(1)
    json.dump(report, sys.stdout)
    print()


if __name__ == "__main__":
    main()
