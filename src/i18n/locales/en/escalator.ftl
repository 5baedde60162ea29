# Escalator's messages in English, the reference catalog.
#
# Arguments arrive already marked up for the platform (mentions, bold, escaped user
# text), so messages never contain markup or the characters & < > themselves.
# Tone: plain and warm. Never suggest an escalation was unnecessary; thank reporters.

## Incidents

incident-title = { $incident } · { $severity }
state-open = Open
state-acknowledged = Acknowledged
state-resolved = Resolved, waiting for the fix note
state-closed = Closed
state-cancelled = Cancelled

## The root message of an incident

card-field-severity = Severity
card-field-state = State
card-field-reporter = Reported by
card-field-step = Now paging
card-field-assignee = Owner
card-field-opened = Opened
card-assignee-none = Nobody yet
card-step-holders = Step { $step } of { $steps } ({ $target }): { $people }
card-step-deputies = Step { $step } of { $steps } ({ $target }): deputies of { $people }
card-step-everyone = Everyone in the channel
card-thanks = Thank you for raising this, { $reporter }.
card-owner = { $owner } owns this incident now.
card-how-to-resolve = When it is fixed, press Resolve or react with { $emoji }.
card-how-to-resolve-button = When it is fixed, press Resolve.
card-resolved = Resolved. Please post the fix note so the next person finds it.
card-closed = Closed. The fix note is in the knowledge channel.
card-cancelled = Cancelled. Thank you for raising it.
card-fallback = { $title }: { $summary } ({ $state })
how-to-ack = To take it over, press Acknowledge or react with { $emoji }.
how-to-ack-button = To take it over, press Acknowledge.
button-acknowledge = Acknowledge
button-resolve = Resolve
button-post-fix = Post fix
list-separator = ,{" "}

## Pages

page-first = You're paged for { $incident }, step { $step } of its path.
page-repage = { $incident } still needs an owner (reminder { $n }).
page-deputy = { $of } hasn't been able to take { $incident } yet, so you're paged as their deputy.
page-stand-in = { $of } is away, so you're paged for { $incident } in their place.
page-severity-changed = { $incident } is now { $severity }, and its new path pages you.
page-reassigned = { $incident } was handed over to you. It's yours now.
page-thread = { $person }: { $text }
page-direct-title = { $title }
page-direct-fallback = { $reason } { $title }: { $summary }
page-digest-heading = You're paged for { $count } incidents at once. Each Acknowledge button takes over the incident beside it.
page-digest-item =
    { $title }: { $summary }
    { $reason }
page-digest-thread = thread
page-digest-fallback = You're paged for { $count } incidents: { $incidents }
page-channel-person =
    { $everyone } { $person } is being paged for { $incident }. If you can help, please join the thread.
    { $title }: { $summary }
page-channel =
    { $everyone } { $incident } still needs an owner, and everyone on its path has been paged (round { $round }). If you can take it over, please look at the thread.
    { $title }: { $summary }
page-webhook =
    { $title }: { $summary }
    { $reason }

## The thread: one line per event

means-thread = thread mention
means-direct = direct message
means-channel = channel mention
means-webhook = { $name } webhook
announce-opened = Thank you for raising { $incident }, { $reporter }. Paging has started, and this thread keeps the whole timeline.
announce-paged-first = Paged { $person } by { $means } (step { $step }).
announce-paged-repage = Paged { $person } again by { $means } (reminder { $n }).
announce-paged-deputy = Paged { $person } by { $means } as deputy for { $of } (step { $step }).
announce-paged-stand-in = Paged { $person } by { $means } in place of { $of }, who is away (step { $step }).
announce-paged-severity-changed = Paged { $person } by { $means } on the new path (step { $step }).
announce-paged-reassigned = Told { $person } about the hand-over by { $means }.
announce-skipped-absent = { $person } is away until { $until }, so { $deputy } stands in.
announce-skipped-absent-alone = { $person } is away until { $until } and no deputy is available, so paging moves on.
announce-skipped-already = { $person } is already paged on this step.
announce-climbed = Paging moves up to step { $step } of the path.
announce-channel-paged = Paged everyone in the channel (round { $round }).
announce-acknowledged = { $owner } has taken over { $incident }. Thank you, { $reporter }, for raising it.
announce-acknowledged-by-reporter = { $owner } has taken over { $incident }.
announce-reassigned = { $by } handed { $incident } to { $to }, who owns it now.
announce-reassigned-from = { $by } handed { $incident } over from { $from } to { $to }, who owns it now.
announce-severity-changed = { $by } changed the severity of { $incident }: { $from } → { $to }.
announce-status-update = Update from { $by }: { $text }
announce-followed = { $by } is following { $incident } and will get updates by direct message.
announce-resolved = { $by } resolved { $incident }. Thank you, everyone who helped.
announce-fix-note-added = { $by } posted the fix note, and { $incident } is closed. The note is in the knowledge channel for the next person.
announce-fix-note-skipped = { $by } closed { $incident } without a fix note, because: { $reason }. Thank you for saying why; reminders stop here.
announce-fix-note-edited = { $by } edited the fix note of { $incident }; the knowledge channel shows the new version.
announce-fix-note-requested = Asked for the fix note of { $incident }.
announce-fix-note-reminded = Reminded the thread about the fix note of { $incident } (reminder { $n }).
announce-cancelled = { $by } cancelled { $incident }, and paging has stopped. Thank you, { $reporter }, for raising it: when in doubt, escalating is always the right call.
announce-cancelled-by-reporter = { $by } cancelled { $incident }, and paging has stopped. Thank you for raising it: when in doubt, escalating is always the right call.
follower-update = Update on { $title }: { $text }

## The fix note

fix-note-ask = { $who }: { $incident } is resolved, thank you! Could you write a short fix note: what happened, what fixed it, and how to prevent it? It helps the next person who runs into this.
fix-note-remind = { $who }: a friendly reminder ({ $n }) that the fix note for { $incident } is still missing. A few lines are enough, and they save the next person time.
fix-note-ask-title = Fix note for { $title }
fix-note-title = Fix note: { $title }
fix-note-summary = What happened
fix-note-cause = Why it happened
fix-note-fix = What fixed it
fix-note-prevention = How to prevent it
fix-note-links = Links
fix-note-incident = Incident
fix-note-team = Team
fix-note-author = Written by
fix-note-empty = Not given
fix-note-fallback = Fix note for { $title }: { $what }
fix-note-form-title = Post the fix note
fix-note-form-edit-title = Edit the fix note
fix-note-form-save = Save
fix-note-edited = Last edited by { $by } on { $date }
fix-note-edit-button = Edit
fix-note-skip-hint = Nothing to note (a duplicate, no change made)? Say why with “/escalate kb skip { $incident } REASON”, and the reminders stop.
fix-note-form-submit = Post
fix-note-form-summary-hint = What did people notice, and when?
fix-note-form-cause-hint = Why did it happen?
fix-note-form-fix-hint = What fixed it?
fix-note-form-prevention-hint = What would stop it from happening again?
fix-note-form-links-hint = One link per line: dashboards, pull requests, documents

## Replies to requests the engine refused

reply-unknown-person = You're not in the escalation policy yet, so you can't { $action ->
        [acknowledge] acknowledge
        [reassign] reassign
        [resolve] resolve
        [cancel] cancel
        [skip] close
       *[other] change
    } incidents. An admin can add you.
reply-not-eligible = Only people on this incident's path, their deputies and admins can { $action ->
        [acknowledge] acknowledge
        [reassign] reassign
        [resolve] resolve
        [cancel] cancel
        [skip] close it without a fix note
       *[other] change
    } it. If you can help, say so in the thread.
reply-already-acknowledged = { $owner } has already taken this incident over. You can follow it to get updates.
reply-not-active = This incident is { $state ->
        [open] still open
        [acknowledged] already acknowledged
        [resolved] already resolved
        [closed] already closed
       *[cancelled] cancelled
    }, so that is no longer possible.
reply-already-closed = The fix note for this incident is already captured. Thank you!
reply-no-fix-note = This incident has no fix note to edit yet. Post one with the “Post fix note” button first.
reply-not-note-author = Only the note's author and admins can edit this fix note, so nothing was changed. You can suggest the change in the incident thread.
reply-unknown-severity = There's no severity named { $severity }. The severities are: { $known }.
reply-unknown-team = There's no team named { $team }. The teams are: { $known }.
reply-unknown-assignee = There's no one named { $person } in the escalation policy.
reply-no-path = { $severity } has no escalation path for the { $team } team yet. Please pick another severity, and tell an admin so they can add one.
reply-unchanged = Nothing to change: it's already that way.
reply-empty = { $field ->
        [summary] Please add a short description of the problem.
        [update] The update is empty. Please write what changed.
        [fix] Please describe what fixed it.
        [reason] Please say why there is nothing to note, for example “duplicate of INC-3” or “no change was made”.
       *[other] Please fill in the missing text.
    }

## Help

help-title = How to escalate
help-no-blame = When in doubt, escalate. Nobody will be blamed for raising an incident.
help-severities = Severities
criteria-title = What counts as an incident
help-criteria = It is, for example:
help-counter-examples = It is not:
help-path = Who is paged, in order: { $steps }, then the whole incident channel.
help-team-path = For { $team }: { $steps }, then the whole incident channel.
help-path-step = { $target } (within { $ack })
help-commands = Commands
help-reactions = In an incident thread, react with { $ack } to take the incident over, or with { $resolve } to resolve it.
help-usage-form = /escalate
help-usage-open = /escalate SEVERITY WHAT HAPPENED
help-usage-help = /escalate help
help-usage-ack = /escalate ack [INC-ID]
help-usage-resolve = /escalate resolve [INC-ID]
help-usage-cancel = /escalate cancel [INC-ID]
help-usage-status = /escalate status [INC-ID]
help-usage-follow = /escalate follow [INC-ID]
help-usage-update = /escalate update [INC-ID] TEXT
help-usage-reassign = /escalate reassign [INC-ID] PERSON
help-usage-severity = /escalate severity [INC-ID] SEVERITY
help-usage-why = /escalate why [INC-ID]
help-usage-criteria = /escalate criteria
help-usage-away = /escalate away [PERSON] [from DATE] until DATE [REASON] · away list · away cancel
help-usage-stats = /escalate stats [30d] [TEAM]
help-usage-kb = /escalate kb WORDS · kb edit INC-ID · kb skip [INC-ID] REASON
help-usage-admin = /escalate admin show · audit [N] · deputy PERSON DEPUTY · holder TEAM POSITION PEOPLE · admins add|remove PERSON · emoji ack|resolve NAMES · step add|set|remove|move SEVERITY TEAM N … · reload · export
help-command-form = Open the form with the severity picker and each severity's criteria.
help-command-open = Open an incident and page the right people.
help-command-help = Show this help.
help-command-ack = Take an incident over.
help-command-resolve = Mark an incident as fixed.
help-command-cancel = Withdraw an incident. No blame, ever.
help-command-status = Show where an incident stands.
help-command-follow = Get updates on an incident by direct message.
help-command-update = Post a status update to the thread and the followers.
help-command-reassign = Hand an incident over to someone else.
help-command-severity = Change an incident's severity.
help-command-why = Show the next page of an incident, by which step, and who was passed over.
help-command-criteria = Show what counts as an incident, and what does not.
help-command-away = Mark yourself away (admins: anyone), in your own time zone, so your deputy is paged.
help-command-stats = Show where escalations stall, per severity.
help-command-kb = Search the fix notes; edit a fix note (its author and admins); or close a resolved incident with nothing to note, saying why.
help-command-admin = Admins only: show and change the live policy.
help-thread-note = In an incident thread, mention me instead of typing the command, and leave out the incident id: @escalator ack.

## Alerts for admins

alert-delivery-failed = Escalator could not deliver { $what } for { $incident }: the platform answered { $code }. Please check that the bot can reach that channel or person. Paging for the incident goes on.
alert-store-restored = Escalator found its stored data damaged ({ $damage }) and did not run on it. It restored the newest snapshot, taken { $snapshot }, and is running again. Anything recorded between { $snapshot } and { $last } may be lost: please check incidents raised or changed in that window, and raise again any that are missing. The damaged files were kept in { $moved }.
alert-store-restored-open-end = Escalator found its stored data damaged ({ $damage }) and did not run on it. It restored the newest snapshot, taken { $snapshot }, and is running again. Anything recorded after { $snapshot } may be lost: please check incidents raised or changed since then, and raise again any that are missing. The damaged files were kept in { $moved }.
alert-store-unwritable = Escalator cannot write to its data folder any more (the disk may be full). Until it can, new incidents are refused with an explanation, and paging of open incidents is paused; nothing is lost that was already recorded. Please free disk space: the bot resumes by itself and will tell you.
alert-store-writable = Escalator can write to its data folder again. New incidents are accepted and paging has resumed.
alert-delivery-delayed = Escalator has tried { $count } times to deliver { $what } for { $incident }, and the platform keeps failing ({ $reason }). It keeps trying and nothing is lost. If this goes on, please check the platform's status page and the bot's network.

## Replies to requests

reply-opened = Thank you for escalating. { $incident } is open in { $channel }, and { $paged } { $count ->
        [one] has
       *[other] have
    } been paged.
reply-opened-channel = Thank you for escalating. { $incident } is open in { $channel }, and the whole channel has been alerted.
reply-done-acknowledged = { $incident } is yours now. Thank you for taking it over.
reply-done-resolved = { $incident } is resolved. Please post the fix note when you can, so the next person finds it.
reply-done-cancelled = { $incident } is cancelled and paging stopped. Thank you for raising it.
reply-done-followed = You'll get updates on { $incident } by direct message.
reply-done-updated = Your update is posted to { $incident }.
reply-done-reassigned = { $incident } is now with { $person }.
reply-done-severity = { $incident } is now { $severity }.
reply-done-fix-note = Thank you! The fix note for { $incident } is saved and shared in the knowledge channel.
reply-done-fix-note-skipped = { $incident } is closed with nothing to note. Thank you for saying why.
reply-done-fix-note-edited = The fix note for { $incident } is updated, in the search and in the knowledge channel.
reply-no-form-here = I can't open a form from a mention. Type “/escalate kb edit { $incident }”, or press Edit on the note in the knowledge channel.
reply-which-incident = Which incident do you mean? Add its id, like INC-7, or mention me in the incident's thread.
reply-digest-reaction = This message pages you for several incidents, so a reaction here can't say which one you mean. Press Acknowledge beside the incident you take over, or react in its thread.
reply-unknown-incident = There's no incident { $incident }.
reply-unknown-user = I couldn't find “{ $name }” in the escalation policy. Mention the person, or use their id from the policy.
reply-not-in-policy = { $name } is not in the escalation policy yet, so the incident can't be handed to them. An admin can add them to the policy.
reply-no-team = This channel doesn't belong to a team yet, so I don't know whom to page. Please escalate from your team's channel, or ask an admin to add this one.
reply-not-stored-incident = Your incident was NOT opened and no one was paged: the bot cannot save anything right now (its storage is full or failing). Please reach the on-call manager directly. Admins have been told.
reply-not-stored = This was NOT recorded: the bot cannot save anything right now (its storage is full or failing). Please reach the people involved directly and try again later. Admins have been told.
reply-failed = Sorry, something went wrong on my side and nothing was changed. Please try again; if it keeps failing, tell an admin (reference { $reference }).
reply-status = { $title } is { $state }.
kb-title = Fix notes for “{ $query }”:
kb-none = No fix notes match “{ $query }” yet.
kb-export-written = Written on
kb-hit = { $incident } · { $severity } · { $team } · { $date }: { $title } (thread in { $channel })
related-title = { $count ->
    [one] A past fix that may help:
   *[other] Past fixes that may help:
}

## Command mistakes

parse-unknown-verb = “{ $text }” is not a command or a severity. Start with a severity and a summary, or see “/escalate help”.
parse-unknown-verb-suggest = “{ $text }” is not a command or a severity. Did you mean “{ $suggestion }”?
parse-missing-summary = Please add a one-line summary after the severity, for example “/escalate { $severity } checkout fails for every customer”.
parse-missing-argument = “{ $verb }” needs { $expected ->
        [text] some text
        [user] a person
        [severity] a severity
        [datetime] a date like 2026-12-24 or 2026-12-24T09:00
        [reason] a reason, such as “duplicate of INC-3” or “no change was made”
       *[query] something to search for
    }: “/escalate { $usage }”.
parse-not-an-incident = “{ $text }” is not an incident id. Incident ids look like INC-42.
parse-unknown-severity = There's no severity “{ $text }”. The severities are: { $known }.
parse-unknown-severity-suggest = There's no severity “{ $text }”. Did you mean “{ $suggestion }”?
parse-not-a-user = “{ $text }” is not a person. Mention the person you mean.
parse-not-a-date-time = “{ $text }” is not a date. Write a date like 2026-12-24, or a date and time like 2026-12-24T09:00.
parse-trailing-input = “{ $verb }” doesn't take “{ $text }”. Usage: “/escalate { $usage }”.

## The escalation form

escalate-form-title = Escalate
escalate-form-submit = Escalate
escalate-form-severity = Severity
escalate-form-severity-hint = How bad is it?
escalate-form-summary = What happened?
escalate-form-summary-hint = One or two sentences: what is broken, for whom, since when.
escalate-form-not = Not

## Discord's /escalate command: descriptions shown in the command picker (at most 100 characters).
discord-command = Ask for help with a problem you cannot handle alone
discord-command-open = Open an incident
discord-option-severity = How bad is it? Each choice lists its criteria
discord-option-summary = What is broken, for whom, since when
discord-option-incident = The incident number, e.g. 42; leave empty inside its thread
discord-option-text = The update for the thread and the followers
discord-option-user = Who takes the incident over
discord-command-ack = Take the incident over
discord-command-resolve = Mark the incident as fixed
discord-command-cancel = Withdraw the incident; no blame
discord-command-status = Show where the incident stands
discord-command-follow = Get the incident's updates
discord-command-update = Post an update to the incident
discord-command-reassign = Hand the incident to someone else
discord-command-severity = Change the incident's severity
discord-option-reason = Why there is nothing to note, e.g. a duplicate of INC-3
discord-command-skip = Close a resolved incident with nothing to note, saying why
discord-command-help = How escalating works, with each severity's criteria
discord-command-why = When the next page goes out, to whom, and who was skipped
discord-command-criteria = Show each severity's criteria
discord-command-kb = Search the fix notes of past incidents
discord-option-words = What to look for, in any language
discord-command-away = Set, list or cancel an absence; pages go to your deputy
discord-option-when = e.g. from 2026-12-24 until 2026-12-27 holiday · list · cancel
discord-command-stats = Where escalations stall, per severity
discord-option-filter = A period and a team, e.g. 30d payments
discord-command-admin = Escalator admin: policy, people, audit, reload, export
discord-option-admin-command = e.g. show · audit 10 · deputy alice bob · reload · export

## Absences

away-set = { $person } is away from { $from } until { $until }. Pages go to their deputy meanwhile.
away-list = Absences of { $person }:
away-list-none = { $person } has no absences planned.
away-list-entry = • { $from } until { $until } { $reason }
away-cancelled = { $count ->
        [0] { $person } had no absences to cancel.
        [one] { $person }'s absence is cancelled.
       *[other] { $person }'s { $count } absences are cancelled.
    }
away-not-in-policy = You are not in the escalation policy yet, so you can't be marked away. Please ask an admin to add you.
away-not-admin = Only admins can change someone else's absences; nothing was changed. You can mark yourself away with “/escalate away until 2026-12-24”.
away-empty-range = The end of that absence is not after its start, or it is already over; nothing was changed.

## Why an incident pages whom it pages

why-title = Paging of { $incident }
why-step = It is on step { $step } of { $steps }: { $target }, who has { $ack } to acknowledge.
why-channel-step = Every step of the path is spent, so the whole channel is paged on repeat.
why-next = Next, at { $date }, unless someone acknowledges first:
why-next-none = Nothing more will be paged: { $incident } is { $state }.
why-skipped = Passed over so far:
why-skipped-none = Nobody has been passed over so far.

## Statistics

stats-title = Where escalations stall, { $what }
stats-period = in the last { $what }
stats-period-all = since the first incident
stats-team = Team { $team } only.
stats-none = No incidents were opened in this period.
stats-nothing = none
stats-count = { $count ->
        [one] 1 incident
       *[other] { $count } incidents
    }
stats-ack = Time to acknowledge: median { $ack }, p90 { $what }. Time to resolve: median { $resolve }.
stats-first-step = Acknowledged at the first step: { $what }. Deputy fallbacks: { $n }.
stats-timeouts = Timeouts per step: { $steps }. Per person: { $people }.
stats-fix-notes = Fix notes: { $n } captured, { $skipped } closed with nothing to note, { $count } missing.
stats-skip-reasons = Nothing to note: { $what }.

## Admin commands

admin-not-admin = Only admins can do that, and nothing was changed. The admins are { $people }.
admin-show-title = The live escalation policy
admin-show-admins = Admins: { $people }
admin-show-person = { $person }: deputy { $deputy }
admin-show-path = { $severity } for team { $team }:
admin-show-step = Step { $step }: { $target } by { $means }, acknowledge within { $ack }, re-paged { $n } times.
admin-audit-title = Latest changes, oldest first:
admin-audit-none = No changes are recorded yet.
admin-audit-entry = { $n }. { $date } { $who } { $action }: { $from } → { $to }
admin-changed-deputy = { $person }'s deputy is now { $deputy }. The change is live and in the audit log.
admin-changed-deputy-none = { $person } has no deputy now. The change is live and in the audit log.
admin-refused-unknown-person = There's no person “{ $person }” in the policy, so nothing was changed.
admin-refused-cycle = That would make deputies go round in a circle ({ $people }), so nothing was changed.

## Criteria review

review-ask = Time to review the escalation criteria. Are they still right? Below are the criteria and what happened since { $date }. If they still fit, nothing needs doing; to change them, edit the severities in bot-config and reload, or tell the team what should change.
review-button-confirm = The criteria still fit
review-button-edit = Change them
review-confirmed = Thank you: the criteria are confirmed, and that is in the audit log. The next review is on { $date }.
review-edit = The criteria live in bot-config/severities.toml (`criteria` and `counter_examples` of each severity). Edit them there, check with `escalator check-config`, then send `/escalate admin reload`; `/escalate admin export` shows the live files to start from.
admin-changed-admins = The admins are now { $people }. The change is live and in the audit log.
admin-changed-ack-emoji = Reacting with { $emoji } now acknowledges. The change is live and in the audit log.
admin-changed-resolve-emoji = Reacting with { $emoji } now resolves. The change is live and in the audit log.
admin-refused-no-admins = At least one admin is needed, so nothing was changed.
admin-refused-not-an-emoji = “{ $emoji }” is not an emoji name, so nothing was changed.
admin-refused-emoji-overlap = “{ $emoji }” would both acknowledge and resolve, so nothing was changed.
admin-changed-holders = { $people } now hold { $target } in { $team }. The change is live and in the audit log.
admin-refused-no-holders = A position needs at least one holder, so nothing was changed.
admin-all-teams = every team
admin-default-path = the default path
admin-changed-path = { $severity } for { $team } now climbs:
admin-changed-live = The change is live and in the audit log.
admin-refused-unknown-severity = There's no severity “{ $severity }”, so nothing was changed.
admin-refused-no-such-path = { $severity } has no path of its own for { $team }, so nothing was changed. Teams without one use the default path: write `default` instead of the team.
admin-refused-no-such-step = That path has no step { $step }, so nothing was changed.
admin-refused-invalid = The config checks refuse that, so nothing was changed:
admin-reloaded = The live policy is now bot-config/ as it is on disk; changes made in chat before this reload are replaced by it. Platform, storage and HTTP settings take effect at the next start. The reload is in the audit log.
admin-reload-failed = bot-config/ has problems, so the live policy was not changed:
admin-export-title = The live policy as bot-config/ files. Save each block under its name, then run `escalator check-config --config DIR`:
admin-no-config-folder = This bot was started without a config folder, so nothing was changed.
