import type { remind as en } from '../en/remind.js';
import type { Translation } from '../translation.js';

export const remind: Translation<typeof en> = {
  'remind.dm.text':
    '⏰ {requester} 님이 요청한 {command}이(가) {waited} 동안 결정을 기다리고 있습니다(카드 {approval}). {time}에 만료됩니다.',
  'remind.dm.inChannel': '카드는 {channel}에 있습니다. 그곳에서 승인하거나 거부하세요.',
  'remind.dm.inLabChannel': '카드는 실습 환경 채널에 있습니다. 그곳에서 승인하거나 거부하세요.',
  'remind.dm.inDm': '카드는 labops와의 다이렉트 메시지에 있습니다. 그곳에서 승인하거나 거부하세요.',
  'remind.dm.fallback': '알림: {command}이(가) 결정을 기다리고 있습니다(카드 {approval}).',
  'remind.channel.text':
    '⏰ 이 카드가 {waited} 동안 결정을 기다리고 있습니다. {approvers} 님, {time} 전에 승인하거나 거부해 주세요.',
  'remind.channel.fallback': '알림: {command}이(가) 아직 결정을 기다리고 있습니다(카드 {approval}).',
  'remind.shell.dm':
    '⏰ {approval}({command})이(가) {waited} 동안 결정을 기다렸습니다: {approvers}에게 알렸습니다.',
  'remind.shell.channel':
    '⏰ {approval}({command})이(가) {waited}이 지나도록 결정을 기다리고 있습니다: {approvers}.',
};
