#include "provisioning/handset_book.hpp"

#include "store/extension_repository.hpp"
#include "store/tenant_repository.hpp"

namespace lockline::provisioning {

void HandsetBook::refresh() {
  store::HandsetRepository handsets(db_);
  store::ExtensionRepository extensions(db_);
  const auto handsets_revision = handsets.revision();
  const auto extensions_revision = extensions.revision();
  if (handsets_revision == handsets_revision_ && extensions_revision == extensions_revision_) {
    return;
  }
  auto data = std::make_shared<HandsetBookData>();
  for (const auto& tenant : store::list_tenants(db_)) {
    for (auto& handset : handsets.list(tenant.id)) {
      BookedHandset booked;
      booked.domain = tenant.domain;
      if (auto extension = extensions.find(tenant.id, handset.extension)) {
        booked.has_extension = true;
        booked.display_name =
            extension->display_name.empty() ? extension->number : extension->display_name;
        booked.password_sealed = std::move(extension->password_sealed);
      }
      booked.handset = std::move(handset);
      data->by_mac.emplace(booked.handset.mac, std::move(booked));
    }
  }
  data_.publish(std::move(data));
  handsets_revision_ = handsets_revision;
  extensions_revision_ = extensions_revision;
}

}  // namespace lockline::provisioning
