// Settings of the answer routes (answer_routes.cc): SMS reply codes from an inbound-SMS
// gateway and Telegram button callbacks.
#pragma once

#include <string>

namespace vigil {

struct AnswerOptions {
  bool sms_inbound = false;  // POST /api/v1/integrations/sms-inbound is served
  // Where the sender's number and the text are in the gateway's body: a key of a form body,
  // or a dotted path into a JSON body ("message.from").
  std::string sms_from_field = "from";
  std::string sms_text_field = "text";
  // The secret in POST /api/v1/integrations/telegram/{secret}; empty: the route answers 404.
  std::string telegram_secret;
};

}  // namespace vigil
