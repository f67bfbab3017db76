-- wrk script: POSTs distinct generic-channel messages (a fresh msg_id every request, so none is a
-- duplicate) in realistic sizes (~500 bytes). RUN_ID keeps rounds distinct.
local run = os.getenv("RUN_ID") or tostring(os.time())
local secret = os.getenv("SECRET") or "gridrelay-demo-secret"
local texts = {
  "3栋楼道灯坏了好几天了,晚上太黑,老人上下楼很危险,麻烦网格员尽快安排人来修一下,谢谢",
  "小区东门口的垃圾桶已经满了三天没人清运,味道特别大,夏天苍蝇蚊子很多,希望物业赶紧处理",
  "楼上装修从早上七点就开始电钻,周末也不停,家里有高考的孩子,能不能协调一下施工时间",
  "刚才有个自称公安局的打电话说我涉嫌洗钱,让我把钱转到安全账户配合调查,这是不是诈骗?",
  "公司拖欠了我三个月工资一直不给,老板说没钱,我这种情况可以去哪里申请劳动仲裁?",
  "地下车库入口被一辆白色轿车堵住了,车牌苏A12345,打电话也不接,我们都出不去了",
  "有人在群里发兼职刷单,说点赞关注就能赚佣金,先垫付后返现,大家千万别信",
  "谢谢网格员,昨天反映的路灯已经修好了,辛苦了",
  "请问今年的居民医保在哪里交?截止时间是什么时候?家里老人不会用手机",
  "楼下邻居家的狗每天晚上叫到半夜,说了好几次都不管,影响休息,能不能帮忙协调",
}
local n = 0
local id = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  n = 0
  id = tid
end

function request()
  n = n + 1
  local text = texts[(n % #texts) + 1]
  local body = string.format(
    '{"msg_id":"%s-%d-%d","group_id":"grid-demo-%d","sender_id":"u%d","sender_name":"居民%d","text":"%s","ts":1732262400,"note":"%s"}',
    run, id, n, (n % 4) + 1, n % 997, n % 997, text, string.rep("x", 60))
  return wrk.format("POST", "/webhook/generic/demo",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. secret}, body)
end
