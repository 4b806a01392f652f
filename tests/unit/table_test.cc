#include <catch2/catch.hpp>

#include "daemon/vigilctl/table.h"

using namespace vigil::ctl;

TEST_CASE("tables align Vietnamese text by what the eye sees", "[ctl]") {
  CHECK(DisplayWidth("Cảnh báo") == 8);
  CHECK(DisplayWidth("Ca\xcc\x89nh") == 4);  // decomposed: a + combining hook above
  auto t = RenderTable({"ID", "NỘI DUNG"}, {{"1", "Máy chủ"}, {"12", "x"}});
  CHECK(t == "ID  NỘI DUNG\n1   Máy chủ\n12  x\n");
}

TEST_CASE("long cells are cut with an ellipsis", "[ctl]") {
  auto t = RenderTable({"A"}, {{"Tấn công DDoS vào cổng thông tin"}}, 10);
  CHECK(t == "A\nTấn công …\n");
}
