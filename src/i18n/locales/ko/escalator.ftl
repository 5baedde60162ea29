# Escalator의 한국어 메시지. 키는 영어 카탈로그(en/escalator.ftl)와 같아야 해요.
#
# 인수는 플랫폼에 맞게 이미 꾸며진 채로 들어와요(멘션, 굵게, 사용자 글 이스케이프).
# 메시지 자체에는 마크업이나 & < > 문자를 쓰지 않아요.
# 말투: 해요체로 친절하고 담백하게. 에스컬레이션이 불필요했다는 뉘앙스는 절대 쓰지 않고,
# 알려 준 사람에게 감사를 전해요. 이름 뒤에는 조사 문제를 피하려고 "님"을 붙여요.

## 인시던트

incident-title = { $incident } · { $severity }
state-open = 담당자를 찾는 중
state-acknowledged = 대응 중
state-resolved = 해결됨, 해결 노트 대기 중
state-closed = 종료
state-cancelled = 취소됨

## 인시던트 루트 메시지

card-field-severity = 심각도
card-field-state = 상태
card-field-reporter = 보고자
card-field-step = 현재 호출
card-field-assignee = 담당자
card-field-opened = 접수 시각
card-assignee-none = 아직 없음
card-step-holders = { $steps }단계 중 { $step }단계({ $target }): { $people }
card-step-deputies = { $steps }단계 중 { $step }단계({ $target }): { $people }님의 대리인
card-step-everyone = 채널 전체
card-thanks = { $reporter }님, 알려 주셔서 감사해요.
card-owner = 지금은 { $owner }님이 담당하고 있어요.
card-how-to-resolve = 해결되면 '해결 완료'를 누르거나 { $emoji } 반응을 남겨 주세요.
card-how-to-resolve-button = 해결되면 '해결 완료'를 눌러 주세요.
card-resolved = 해결되었어요. 다음 분이 참고할 수 있도록 해결 노트를 남겨 주세요.
card-closed = 종료되었어요. 해결 노트는 지식 공유 채널에 있어요.
card-cancelled = 취소되었어요. 알려 주셔서 감사해요.
card-fallback = { $title }: { $summary } ({ $state })
how-to-ack = 맡아 주실 수 있다면 '담당하기'를 누르거나 { $emoji } 반응을 남겨 주세요.
how-to-ack-button = 맡아 주실 수 있다면 '담당하기'를 눌러 주세요.
button-acknowledge = 담당하기
button-resolve = 해결 완료
button-post-fix = 해결 노트 작성
list-separator = ,{" "}

## 호출

page-first = { $incident } 건으로 호출되었어요. 에스컬레이션 경로의 { $step }단계예요.
page-repage = { $incident } 건을 맡아 줄 분을 아직 찾고 있어요({ $n }번째 알림).
page-deputy = { $of }님이 아직 { $incident } 건을 맡지 못해서 대리인으로 호출되었어요.
page-stand-in = { $of }님이 부재 중이라 대신 { $incident } 건으로 호출되었어요.
page-severity-changed = { $incident } 건의 심각도가 바뀌어서({ $severity }) 새 경로에 따라 호출되었어요.
page-reassigned = { $incident } 건의 담당자로 지정되었어요.
page-thread = { $person }님, { $text }
page-direct-title = { $title }
page-direct-fallback = { $reason } { $title }: { $summary }
page-digest-heading = 인시던트 { $count }건으로 한꺼번에 호출되었어요. 각 '담당하기' 버튼은 옆에 있는 인시던트 하나만 맡아요.
page-digest-item =
    { $title }: { $summary }
    { $reason }
page-digest-thread = 스레드
page-digest-fallback = 인시던트 { $count }건으로 호출되었어요: { $incidents }
page-channel-person =
    { $everyone } { $incident } 건으로 { $person }님을 호출하고 있어요. 도울 수 있는 분은 스레드에 참여해 주세요.
    { $title }: { $summary }
page-channel =
    { $everyone } { $incident } 건을 맡아 줄 분이 아직 없어서 경로의 모든 분을 호출했어요({ $round }회차). 맡아 주실 수 있는 분은 스레드를 확인해 주세요.
    { $title }: { $summary }
page-webhook =
    { $title }: { $summary }
    { $reason }

## 스레드: 이벤트마다 한 줄

means-thread = 스레드 멘션
means-direct = DM
means-channel = 채널 멘션
means-webhook = { $name } 웹훅
announce-opened = { $reporter }님, { $incident } 건을 알려 주셔서 감사해요. 호출을 시작했고, 진행 상황은 모두 이 스레드에 남겨요.
announce-paged-first = { $person }님을 호출했어요({ $step }단계, { $means }).
announce-paged-repage = { $person }님을 다시 호출했어요({ $n }번째 알림, { $means }).
announce-paged-deputy = { $of }님의 대리인인 { $person }님을 호출했어요({ $step }단계, { $means }).
announce-paged-stand-in = { $of }님이 부재 중이라 대신 { $person }님을 호출했어요({ $step }단계, { $means }).
announce-paged-severity-changed = 새 경로에 따라 { $person }님을 호출했어요({ $step }단계, { $means }).
announce-paged-reassigned = { $person }님에게 담당 변경을 알렸어요({ $means }).
announce-skipped-absent = { $person }님이 { $until }까지 부재 중이라 { $deputy }님이 대신해요.
announce-skipped-absent-alone = { $person }님이 { $until }까지 부재 중이고 대신할 대리인이 없어서 다음 순서로 넘어가요.
announce-skipped-already = { $person }님은 이 단계에서 이미 호출되었어요.
announce-climbed = 에스컬레이션 경로의 { $step }단계로 올라가요.
announce-channel-paged = 채널 전체를 호출했어요({ $round }회차).
announce-acknowledged = { $owner }님이 { $incident } 건을 맡았어요. { $reporter }님, 알려 주셔서 감사해요.
announce-acknowledged-by-reporter = { $owner }님이 { $incident } 건을 맡았어요.
announce-reassigned = { $by }님이 { $incident } 건을 { $to }님에게 넘겼어요. 이제 { $to }님이 담당자예요.
announce-reassigned-from = { $by }님이 { $incident } 건을 { $from }님에게서 { $to }님에게 넘겼어요. 이제 { $to }님이 담당자예요.
announce-severity-changed = { $by }님이 { $incident } 건의 심각도를 바꿨어요: { $from } → { $to }
announce-status-update = { $by }님의 업데이트: { $text }
announce-followed = 이제 { $by }님도 { $incident } 건의 소식을 DM으로 받아요.
announce-resolved = { $by }님이 { $incident } 건을 해결했어요. 함께해 주신 모든 분께 감사해요.
announce-fix-note-added = { $by }님이 해결 노트를 남겨 주셔서 { $incident } 건을 종료했어요. 다음 분을 위해 노트를 지식 공유 채널에 올렸어요.
announce-fix-note-skipped = { $by }님이 { $incident } 건을 해결 노트 없이 종료했어요. 이유: { $reason }. 이유를 남겨 주셔서 감사해요. 알림은 여기서 멈춰요.
announce-fix-note-edited = { $by }님이 { $incident } 건의 해결 노트를 고쳤어요. 지식 공유 채널에도 새 내용이 반영되었어요.
announce-fix-note-requested = { $incident } 건의 해결 노트를 요청했어요.
announce-fix-note-reminded = { $incident } 건의 해결 노트를 다시 요청했어요({ $n }번째 알림).
announce-cancelled = { $by }님이 { $incident } 건을 취소해서 호출을 멈췄어요. { $reporter }님, 알려 주셔서 감사해요. 애매할 때는 에스컬레이션하는 것이 언제나 옳은 선택이에요.
announce-cancelled-by-reporter = { $by }님이 { $incident } 건을 취소해서 호출을 멈췄어요. 알려 주셔서 감사해요. 애매할 때는 에스컬레이션하는 것이 언제나 옳은 선택이에요.
follower-update = { $title } 소식: { $text }

## 해결 노트

fix-note-ask = { $who }님, { $incident } 건이 해결되었어요. 수고 많으셨어요! 무슨 일이 있었는지, 무엇으로 해결했는지, 어떻게 예방할 수 있는지 짧게 해결 노트를 남겨 주시겠어요? 같은 문제를 겪을 다음 분께 큰 도움이 돼요.
fix-note-remind = { $who }님, { $incident } 건의 해결 노트를 아직 기다리고 있어요({ $n }번째 알림). 몇 줄이면 충분해요. 다음 분이 같은 문제를 훨씬 빨리 해결할 수 있어요.
fix-note-ask-title = { $title } 해결 노트
fix-note-title = 해결 노트: { $title }
fix-note-summary = 상황 요약
fix-note-cause = 원인
fix-note-fix = 해결 방법
fix-note-prevention = 재발 방지
fix-note-links = 링크
fix-note-incident = 인시던트
fix-note-team = 팀
fix-note-author = 작성자
fix-note-empty = 없음
fix-note-fallback = { $title } 해결 노트: { $what }
fix-note-form-title = 해결 노트 작성
fix-note-form-edit-title = 해결 노트 고치기
fix-note-form-save = 저장
fix-note-edited = 마지막 수정: { $by }, { $date }
fix-note-edit-button = 고치기
fix-note-skip-hint = 남길 내용이 없나요(중복, 변경 없음 등)? “/escalate kb skip { $incident } 이유”로 이유를 남기면 알림이 멈춰요.
fix-note-form-submit = 올리기
fix-note-form-summary-hint = 언제, 어떤 문제가 있었나요?
fix-note-form-cause-hint = 왜 일어났나요?
fix-note-form-fix-hint = 무엇으로 해결했나요?
fix-note-form-prevention-hint = 다시 일어나지 않게 하려면 무엇이 필요할까요?
fix-note-form-links-hint = 한 줄에 링크 하나씩: 대시보드, 풀 리퀘스트, 문서 등

## 처리할 수 없는 요청에 대한 답변

reply-unknown-person = 아직 에스컬레이션 정책에 등록되지 않아서 인시던트를 { $action ->
        [acknowledge] 맡을
        [reassign] 넘길
        [resolve] 해결 처리할
        [cancel] 취소할
        [skip] 해결 노트 없이 종료할
       *[other] 변경할
    } 수 없어요. 관리자에게 등록을 요청해 주세요.
reply-not-eligible = 이 인시던트를 { $action ->
        [acknowledge] 맡을
        [reassign] 넘길
        [resolve] 해결 처리할
        [cancel] 취소할
        [skip] 해결 노트 없이 종료할
       *[other] 변경할
    } 수 있는 사람은 에스컬레이션 경로에 있는 분과 그 대리인, 관리자예요. 도울 수 있다면 스레드에 알려 주세요.
reply-already-acknowledged = 이미 { $owner }님이 이 인시던트를 맡고 있어요. 팔로우하면 소식을 받을 수 있어요.
reply-not-active = 이 인시던트는 { $state ->
        [open] 아직 진행 중이라
        [acknowledged] 이미 담당자가 있어서
        [resolved] 이미 해결되어서
        [closed] 이미 종료되어서
       *[cancelled] 취소되어서
    } 지금은 할 수 없어요.
reply-already-closed = 이 인시던트의 해결 노트는 이미 등록되어 있어요. 감사해요!
reply-no-fix-note = 이 인시던트에는 아직 고칠 해결 노트가 없어요. 먼저 “해결 노트 작성” 버튼으로 노트를 남겨 주세요.
reply-not-note-author = 이 해결 노트는 작성자와 관리자만 고칠 수 있어서 아무것도 바꾸지 않았어요. 인시던트 스레드에 고칠 내용을 제안해 주세요.
reply-unknown-severity = 없는 심각도예요: { $severity }. 사용할 수 있는 심각도: { $known }
reply-unknown-team = 없는 팀이에요: { $team }. 등록된 팀: { $known }
reply-unknown-assignee = 에스컬레이션 정책에 없는 사람이에요: { $person }
reply-no-path = { $severity } 심각도에는 아직 { $team } 팀의 에스컬레이션 경로가 없어요. 다른 심각도를 골라 주시고, 관리자에게 경로 추가를 요청해 주세요.
reply-unchanged = 바꿀 내용이 없어요. 이미 그렇게 되어 있어요.
reply-empty = { $field ->
        [summary] 어떤 문제인지 짧게 설명해 주세요.
        [update] 업데이트 내용이 비어 있어요. 무엇이 바뀌었는지 적어 주세요.
        [fix] 무엇으로 해결했는지 적어 주세요.
        [reason] 남길 내용이 없는 이유를 적어 주세요. 예: “INC-3과 중복”, “변경 사항 없음”.
       *[other] 빠진 내용을 채워 주세요.
    }

## 도움말

help-title = 에스컬레이션하는 방법
help-no-blame = 애매하면 에스컬레이션하세요. 인시던트를 알렸다는 이유로 비난받는 사람은 없어요.
help-severities = 심각도
criteria-title = 인시던트의 기준
help-criteria = 예를 들면 이런 경우예요:
help-counter-examples = 이런 경우는 아니에요:
help-path = 호출 순서: { $steps }, 그다음 인시던트 채널 전체.
help-team-path = { $team } 팀: { $steps }, 그다음 인시던트 채널 전체.
help-path-step = { $target }({ $ack } 안에 응답)
help-commands = 명령어
help-reactions = 인시던트 스레드에서 { $ack } 반응을 남기면 인시던트를 맡고, { $resolve } 반응을 남기면 해결 처리돼요.
help-usage-form = /escalate
help-usage-open = /escalate 심각도 상황설명
help-usage-help = /escalate help
help-usage-ack = /escalate ack [INC-번호]
help-usage-resolve = /escalate resolve [INC-번호]
help-usage-cancel = /escalate cancel [INC-번호]
help-usage-status = /escalate status [INC-번호]
help-usage-follow = /escalate follow [INC-번호]
help-usage-update = /escalate update [INC-번호] 내용
help-usage-reassign = /escalate reassign [INC-번호] 담당자
help-usage-severity = /escalate severity [INC-번호] 심각도
help-usage-why = /escalate why [INC-번호]
help-usage-criteria = /escalate criteria
help-usage-away = /escalate away [사람] [from 날짜] until 날짜 [사유] · away list · away cancel
help-usage-stats = /escalate stats [30d] [팀]
help-usage-kb = /escalate kb 검색어 · kb edit INC-번호 · kb skip [INC-번호] 이유
help-usage-admin = /escalate admin show · audit [N] · deputy 사람 대리인 · holder 팀 역할 사람들 · admins add|remove 사람 · emoji ack|resolve 이름들 · step add|set|remove|move 심각도 팀 N … · reload · export
help-command-form = 심각도와 기준을 보면서 고를 수 있는 양식을 열어요.
help-command-open = 인시던트를 열고 맡아야 할 분을 호출해요.
help-command-help = 이 도움말을 보여 줘요.
help-command-ack = 인시던트를 맡아요.
help-command-resolve = 인시던트를 해결 처리해요.
help-command-cancel = 인시던트를 취소해요. 누구도 탓하지 않아요.
help-command-status = 인시던트가 지금 어떤 상태인지 보여 줘요.
help-command-follow = 인시던트 소식을 DM으로 받아요.
help-command-update = 스레드와 팔로워에게 진행 상황을 알려요.
help-command-reassign = 인시던트를 다른 사람에게 넘겨요.
help-command-severity = 인시던트의 심각도를 바꿔요.
help-command-why = 인시던트의 다음 호출과 단계, 건너뛴 사람을 보여 줘요.
help-command-criteria = 무엇이 인시던트이고 무엇이 아닌지 보여 줘요.
help-command-away = 본인의 부재를 표시해요(관리자는 누구든). 본인 시간대 기준이며, 그동안 대리인이 호출돼요.
help-command-stats = 심각도별로 에스컬레이션이 어디서 멈추는지 보여 줘요.
help-command-kb = 해결 노트를 검색하고, 해결 노트를 고치거나(작성자와 관리자), 해결된 인시던트를 남길 내용이 없다는 이유와 함께 종료해요.
help-command-admin = 관리자 전용: 현재 정책을 보고 바꿔요.
help-thread-note = 인시던트 스레드 안에서는 명령 대신 저를 멘션하고 인시던트 번호를 생략해도 돼요: @escalator ack

## 관리자 알림

alert-delivery-failed = { $incident } 건의 메시지를 전달하지 못했어요({ $what }). 플랫폼 응답: { $code }. 봇이 해당 채널이나 사람에게 접근할 수 있는지 확인해 주세요. 이 인시던트의 호출은 계속 진행돼요.
alert-store-restored = Escalator가 저장된 데이터가 손상된 것을 발견해({ $damage }) 그 데이터로는 실행하지 않았어요. { $snapshot }에 만든 가장 최근 스냅샷을 복원해 다시 실행 중이에요. { $snapshot }부터 { $last } 사이에 기록된 내용은 사라졌을 수 있어요. 그 사이에 올라오거나 바뀐 인시던트를 확인하고, 빠진 것은 다시 올려 주세요. 손상된 파일은 { $moved }에 보관했어요.
alert-store-restored-open-end = Escalator가 저장된 데이터가 손상된 것을 발견해({ $damage }) 그 데이터로는 실행하지 않았어요. { $snapshot }에 만든 가장 최근 스냅샷을 복원해 다시 실행 중이에요. { $snapshot } 이후에 기록된 내용은 사라졌을 수 있어요. 그 뒤로 올라오거나 바뀐 인시던트를 확인하고, 빠진 것은 다시 올려 주세요. 손상된 파일은 { $moved }에 보관했어요.
alert-store-unwritable = Escalator가 더 이상 데이터 폴더에 쓸 수 없어요(디스크가 가득 찼을 수 있어요). 쓸 수 있게 될 때까지 새 인시던트는 이유를 알리고 받지 않으며, 열린 인시던트의 호출도 멈춰요. 이미 기록된 내용은 사라지지 않아요. 디스크 공간을 확보해 주세요. 봇이 스스로 다시 시작하고 알려 드릴게요.
alert-store-writable = Escalator가 다시 데이터 폴더에 쓸 수 있어요. 새 인시던트를 받고 호출도 다시 시작했어요.
alert-delivery-delayed = { $incident } 건의 메시지({ $what })를 { $count }번 보내려 했지만 플랫폼 오류가 계속되고 있어요({ $reason }). 계속 다시 시도하고 있으며 잃어버린 내용은 없어요. 오래 지속되면 플랫폼 상태 페이지와 봇의 네트워크를 확인해 주세요.

## 요청에 대한 답장

reply-opened = 에스컬레이션해 주셔서 감사해요. { $channel } 채널에 { $incident } 건을 열었고, { $paged }님을 호출했어요.
reply-opened-channel = 에스컬레이션해 주셔서 감사해요. { $channel } 채널에 { $incident } 건을 열었고, 채널 전체에 알렸어요.
reply-done-acknowledged = 이제 { $incident } 건은 담당하시는 건이에요. 맡아 주셔서 감사해요.
reply-done-resolved = { $incident } 건을 해결됨으로 표시했어요. 다음 사람이 찾을 수 있도록 여유가 될 때 해결 노트를 남겨 주세요.
reply-done-cancelled = { $incident } 건을 취소하고 호출을 멈췄어요. 알려 주셔서 감사해요.
reply-done-followed = { $incident } 건의 소식을 DM으로 보내 드릴게요.
reply-done-updated = { $incident } 건에 업데이트를 올렸어요.
reply-done-reassigned = 이제 { $person }님이 { $incident } 건을 담당해요.
reply-done-severity = { $incident } 건의 심각도를 { $severity }(으)로 바꿨어요.
reply-done-fix-note = 감사해요! { $incident } 건의 해결 노트를 저장하고 지식 채널에 공유했어요.
reply-done-fix-note-skipped = { $incident } 건을 해결 노트 없이 종료했어요. 이유를 남겨 주셔서 감사해요.
reply-done-fix-note-edited = { $incident } 건의 해결 노트를 고쳤어요. 검색과 지식 채널에도 반영했어요.
reply-no-form-here = 멘션으로는 입력 창을 열 수 없어요. “/escalate kb edit { $incident }”를 입력하거나 지식 공유 채널의 노트에서 고치기 버튼을 눌러 주세요.
reply-which-incident = 어떤 인시던트인가요? INC-7처럼 번호를 붙이거나, 인시던트 스레드에서 저를 멘션해 주세요.
reply-digest-reaction = 이 메시지는 여러 인시던트를 한꺼번에 알려 드려서, 여기에 남긴 반응으로는 어느 건인지 알 수 없어요. 맡으실 인시던트 옆의 '담당하기'를 누르거나 그 인시던트의 스레드에 반응을 남겨 주세요.
reply-unknown-incident = { $incident } 건은 없어요.
reply-unknown-user = 에스컬레이션 정책에서 “{ $name }”님을 찾지 못했어요. 그 사람을 멘션하거나 정책에 있는 아이디를 써 주세요.
reply-not-in-policy = { $name }님은 아직 에스컬레이션 정책에 없어서 인시던트를 넘길 수 없어요. 관리자가 정책에 추가할 수 있어요.
reply-no-team = 이 채널은 아직 어느 팀에도 속하지 않아서 누구를 호출할지 알 수 없어요. 팀 채널에서 에스컬레이션하시거나, 관리자에게 이 채널을 추가해 달라고 요청해 주세요.
reply-not-stored-incident = 인시던트가 열리지 않았고 아무도 호출되지 않았어요. 지금 봇이 아무것도 저장할 수 없어요(저장 공간이 가득 찼거나 고장 났어요). 당번 관리자에게 직접 연락해 주세요. 관리자에게는 알렸어요.
reply-not-stored = 기록되지 않았어요. 지금 봇이 아무것도 저장할 수 없어요(저장 공간이 가득 찼거나 고장 났어요). 관련된 분께 직접 연락하시고 나중에 다시 시도해 주세요. 관리자에게는 알렸어요.
reply-failed = 죄송해요, 제 쪽에서 문제가 생겨 아무것도 바뀌지 않았어요. 다시 시도해 주시고, 계속 안 되면 관리자에게 알려 주세요(참조 번호 { $reference }).
reply-status = { $title }: { $state }
kb-title = “{ $query }” 관련 해결 노트:
kb-none = 아직 “{ $query }”와 맞는 해결 노트가 없어요.
kb-export-written = 작성일
kb-hit = { $incident } · { $severity } · { $team } · { $date }: { $title } ({ $channel } 스레드)
related-title = 도움이 될 수 있는 지난 해결 노트:

## 명령 입력 실수

parse-unknown-verb = “{ $text }”은(는) 명령도 심각도도 아니에요. 심각도와 요약으로 시작하거나 “/escalate help”를 확인해 주세요.
parse-unknown-verb-suggest = “{ $text }”은(는) 명령도 심각도도 아니에요. “{ $suggestion }”을(를) 말씀하신 건가요?
parse-missing-summary = 심각도 뒤에 한 줄 요약을 붙여 주세요. 예: “/escalate { $severity } 모든 고객의 결제가 실패해요”
parse-missing-argument = “{ $verb }” 명령에는 { $expected ->
        [text] 내용이
        [user] 사람이
        [severity] 심각도가
        [datetime] 2026-12-24 또는 2026-12-24T09:00 같은 날짜가
        [reason] “INC-3과 중복”, “변경 사항 없음” 같은 이유가
       *[query] 검색어가
    } 필요해요: “/escalate { $usage }”
parse-not-an-incident = “{ $text }”은(는) 인시던트 번호가 아니에요. 인시던트 번호는 INC-42처럼 생겼어요.
parse-unknown-severity = “{ $text }” 심각도는 없어요. 사용할 수 있는 심각도: { $known }
parse-unknown-severity-suggest = “{ $text }” 심각도는 없어요. “{ $suggestion }”을(를) 말씀하신 건가요?
parse-not-a-user = “{ $text }”은(는) 사람이 아니에요. 원하는 사람을 멘션해 주세요.
parse-not-a-date-time = “{ $text }”은(는) 날짜가 아니에요. 2026-12-24 같은 날짜나 2026-12-24T09:00 같은 날짜와 시각으로 써 주세요.
parse-trailing-input = “{ $verb }” 명령에는 “{ $text }”을(를) 붙일 수 없어요. 사용법: “/escalate { $usage }”

## 에스컬레이션 양식

escalate-form-title = 에스컬레이션
escalate-form-submit = 에스컬레이션
escalate-form-severity = 심각도
escalate-form-severity-hint = 얼마나 심각한가요?
escalate-form-summary = 무슨 일이 있었나요?
escalate-form-summary-hint = 무엇이, 누구에게, 언제부터 안 되는지 한두 문장으로 적어 주세요.
escalate-form-not = 해당 없음

## Discord's /escalate command: descriptions shown in the command picker (at most 100 characters).
discord-command = 혼자 해결하기 어려운 문제를 에스컬레이션합니다
discord-command-open = 인시던트 열기
discord-option-severity = 얼마나 심각한가요? 선택지마다 기준이 적혀 있습니다
discord-option-summary = 무엇이, 누구에게, 언제부터 안 되는지
discord-option-incident = 인시던트 번호(예: 42). 해당 스레드 안에서는 비워 두세요
discord-option-text = 스레드와 팔로워에게 보낼 업데이트
discord-option-user = 인시던트를 넘겨받을 사람
discord-command-ack = 인시던트를 맡습니다
discord-command-resolve = 인시던트를 해결됨으로 표시합니다
discord-command-cancel = 인시던트를 철회합니다(책임을 묻지 않습니다)
discord-command-status = 인시던트의 현재 상태를 봅니다
discord-command-follow = 인시던트의 업데이트를 받아 봅니다
discord-command-update = 인시던트에 업데이트를 올립니다
discord-command-reassign = 인시던트를 다른 사람에게 넘깁니다
discord-command-severity = 인시던트의 심각도를 바꿉니다
discord-option-reason = 남길 내용이 없는 이유, 예: INC-3과 중복
discord-command-skip = 해결된 인시던트를 이유와 함께 해결 노트 없이 종료합니다
discord-command-help = 에스컬레이션 방법과 심각도별 기준
discord-command-why = 다음 호출이 언제 누구에게 가는지, 누가 건너뛰어졌는지 봅니다
discord-command-criteria = 심각도별 기준을 봅니다
discord-command-kb = 지난 인시던트의 해결 노트를 검색합니다
discord-option-words = 찾을 내용(어떤 언어든)
discord-command-away = 부재를 등록, 조회, 취소합니다. 그동안 호출은 대리인에게 갑니다
discord-option-when = 예: from 2026-12-24 until 2026-12-27 휴가 · list · cancel
discord-command-stats = 심각도별로 에스컬레이션이 어디서 멈추는지 봅니다
discord-option-filter = 기간과 팀, 예: 30d payments
discord-command-admin = Escalator 관리: 정책, 사람, 감사 기록, 다시 읽기, 내보내기
discord-option-admin-command = 예: show · audit 10 · deputy alice bob · reload · export

## 부재

away-set = { $person } 님은 { $from }부터 { $until }까지 부재예요. 그동안 호출은 대리인에게 가요.
away-list = { $person } 님의 부재 일정:
away-list-none = { $person } 님은 예정된 부재가 없어요.
away-list-entry = • { $from } ~ { $until } { $reason }
away-cancelled = { $count ->
        [0] { $person } 님은 취소할 부재가 없어요.
       *[other] { $person } 님의 부재 { $count }건을 취소했어요.
    }
away-not-in-policy = 아직 에스컬레이션 정책에 등록되지 않아 부재로 표시할 수 없어요. 관리자에게 등록을 요청해 주세요.
away-not-admin = 다른 사람의 부재는 관리자만 바꿀 수 있어요. 아무것도 바뀌지 않았어요. 본인의 부재는 “/escalate away until 2026-12-24”로 표시할 수 있어요.
away-empty-range = 부재의 끝이 시작보다 늦지 않거나 이미 지났어요. 아무것도 바뀌지 않았어요.

## 호출 이유

why-title = { $incident } 호출 현황
why-step = 경로 { $steps }단계 중 { $step }단계예요: { $target }, 확인 기한은 { $ack }이에요.
why-channel-step = 경로의 모든 단계가 끝나서 채널 전체를 반복해서 호출하고 있어요.
why-next = 그 전에 누군가 확인하지 않으면 { $date }에 다음과 같이 호출해요:
why-next-none = 더 호출하지 않아요: { $incident } 상태는 { $state }예요.
why-skipped = 지금까지 건너뛴 사람:
why-skipped-none = 지금까지 건너뛴 사람은 없어요.

## 통계

stats-title = 에스컬레이션이 멈추는 곳, { $what }
stats-period = 최근 { $what }
stats-period-all = 첫 인시던트부터
stats-team = { $team } 팀만 보여요.
stats-none = 이 기간에 열린 인시던트가 없어요.
stats-nothing = 없음
stats-count = 인시던트 { $count }건
stats-ack = 확인까지 걸린 시간: 중앙값 { $ack }, p90 { $what }. 해결까지 걸린 시간: 중앙값 { $resolve }.
stats-first-step = 첫 단계에서 확인된 비율: { $what }. 대리인에게 넘어간 횟수: { $n }.
stats-timeouts = 단계별 시간 초과: { $steps }. 사람별: { $people }.
stats-fix-notes = 해결 노트: 작성 { $n }건, 남길 내용 없음 { $skipped }건, 누락 { $count }건.
stats-skip-reasons = 남길 내용 없음: { $what }.

## 관리자 명령

admin-not-admin = 관리자만 할 수 있어요. 아무것도 바뀌지 않았어요. 관리자: { $people }
admin-show-title = 현재 적용 중인 에스컬레이션 정책
admin-show-admins = 관리자: { $people }
admin-show-person = { $person }: 대리인 { $deputy }
admin-show-path = { $team } 팀의 { $severity }:
admin-show-step = { $step }단계: { $target }, 호출 방법 { $means }, 확인 기한 { $ack }, 재호출 { $n }회
admin-audit-title = 최근 변경 (오래된 순):
admin-audit-none = 아직 기록된 변경이 없어요.
admin-audit-entry = { $n }. { $date } { $who } { $action }: { $from } → { $to }
admin-changed-deputy = 이제 { $person } 님의 대리인은 { $deputy } 님이에요. 바로 적용되었고 감사 로그에 남았어요.
admin-changed-deputy-none = 이제 { $person } 님은 대리인이 없어요. 바로 적용되었고 감사 로그에 남았어요.
admin-refused-unknown-person = 정책에 “{ $person }”이라는 사람이 없어서 아무것도 바뀌지 않았어요.
admin-refused-cycle = 대리인이 순환하게 돼요 ({ $people }). 아무것도 바뀌지 않았어요.

## 기준 검토

review-ask = 에스컬레이션 기준을 검토할 때예요. 지금도 맞나요? 아래에 현재 기준과 { $date } 이후의 통계가 있어요. 그대로 괜찮다면 따로 할 일은 없어요. 바꾸려면 bot-config의 심각도를 고치고 다시 불러오거나, 무엇을 바꿀지 팀에 알려 주세요.
review-button-confirm = 기준이 아직 맞아요
review-button-edit = 바꿀게요
review-confirmed = 고마워요. 기준이 확인되었고 감사 로그에 남았어요. 다음 검토는 { $date }예요.
review-edit = 기준은 bot-config/severities.toml에 있어요 (각 심각도의 `criteria`와 `counter_examples`). 그곳에서 고치고 `escalator check-config`로 확인한 뒤 `/escalate admin reload`를 보내 주세요. `/escalate admin export`로 현재 파일을 받아 시작할 수 있어요.
admin-changed-admins = 이제 관리자는 { $people }예요. 바로 적용되었고 감사 로그에 남았어요.
admin-changed-ack-emoji = 이제 { $emoji } 반응으로 인시던트를 맡아요. 바로 적용되었고 감사 로그에 남았어요.
admin-changed-resolve-emoji = 이제 { $emoji } 반응으로 인시던트를 해결해요. 바로 적용되었고 감사 로그에 남았어요.
admin-refused-no-admins = 관리자가 한 명은 있어야 해서 아무것도 바뀌지 않았어요.
admin-refused-not-an-emoji = “{ $emoji }”은(는) 이모지 이름이 아니라서 아무것도 바뀌지 않았어요.
admin-refused-emoji-overlap = “{ $emoji }”은(는) 확인과 해결을 동시에 뜻하게 돼서 아무것도 바뀌지 않았어요.
admin-changed-holders = 이제 { $team } 팀의 { $target } 역할은 { $people }이(가) 맡아요. 바로 적용되었고 감사 로그에 남았어요.
admin-refused-no-holders = 역할에는 한 명 이상이 있어야 해서 아무것도 바뀌지 않았어요.
admin-all-teams = 모든 팀
admin-default-path = 기본 경로
admin-changed-path = 이제 { $team }의 { $severity } 경로는 다음과 같아요:
admin-changed-live = 바로 적용되었고 감사 로그에 남았어요.
admin-refused-unknown-severity = “{ $severity }”라는 심각도가 없어서 아무것도 바뀌지 않았어요.
admin-refused-no-such-path = { $team }에는 { $severity } 전용 경로가 없어서 아무것도 바뀌지 않았어요. 전용 경로가 없는 팀은 기본 경로를 써요. 팀 대신 `default`라고 적어 주세요.
admin-refused-no-such-step = 그 경로에는 { $step }단계가 없어서 아무것도 바뀌지 않았어요.
admin-refused-invalid = 설정 검사를 통과하지 못해서 아무것도 바뀌지 않았어요:
admin-reloaded = 이제 디스크의 bot-config/가 현재 정책이에요. 이번 다시 불러오기 전에 채팅으로 한 변경은 이것으로 대체돼요. 플랫폼, 저장소, HTTP 설정은 다음 시작 때 적용돼요. 감사 로그에 남았어요.
admin-reload-failed = bot-config/에 문제가 있어서 현재 정책은 바뀌지 않았어요:
admin-export-title = 현재 정책을 bot-config/ 파일로 보여 드려요. 각 블록을 이름대로 저장한 뒤 `escalator check-config --config DIR`로 확인하세요:
admin-no-config-folder = 이 봇은 설정 폴더 없이 시작되어서 아무것도 바뀌지 않았어요.
